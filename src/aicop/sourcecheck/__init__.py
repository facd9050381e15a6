"""Source checks: AST rules over Python files and notebook cells for the AI-specific ways code goes
wrong (unsafe loading, remote code, unpinned models, secrets, undeclared LLM services, privileged
agent tools, unlimited model endpoints). ``check_tree`` is the API; ``aicop code`` is its command."""

from aicop.sourcecheck.engine import check_tree
from aicop.sourcecheck.model import CodeFinding, CodeReport

__all__ = ["CodeFinding", "CodeReport", "check_tree"]
