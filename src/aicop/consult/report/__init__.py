"""The consultation report, one module per format, each a pure ``render(analysis)``: HTML (charts as
inline SVG, no script), Markdown, and CSV tables."""
