"""Documents the Code asks for: reading them (sections, topics, dates) and, later, writing them."""
