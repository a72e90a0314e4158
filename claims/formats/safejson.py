"""JSON from strangers, read with limits (pure; no Django).

``json.loads`` recurses once per level of nesting: a body nested 1,000 deep
raises RecursionError, and one a little shallower passes and breaks the first
recursive code that walks it. PostgreSQL keeps neither NUL characters nor
unpaired surrogates (``"\\ud800"`` is valid JSON). ``loads`` refuses all three
with a ``JSONRefused`` that says why, for the API's parsers and the importers.
"""

import json

MAX_DEPTH = 64  # far deeper than any document of ours (W3C, AIF: under 10)


class JSONRefused(ValueError):
    pass


def loads(text: str, *, strings: bool = True):
    """``text`` parsed, or JSONRefused (a JSONDecodeError when it is not JSON).
    ``strings=False`` leaves the strings to the caller's own checks."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise JSONRefused(f"nested deeper than {MAX_DEPTH} levels") from None
    problem = json_problem(data, strings=strings)
    if problem:
        raise JSONRefused(problem)
    return data


def json_problem(data, *, strings: bool = True) -> str:
    """Why ``data`` (parsed JSON) may not be kept, or "". Walks it without
    recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, dict):
            for key, item in value.items():
                problem = _text_problem(key) if strings else ""
                if problem:
                    return problem
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif strings and isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                return problem
    return ""


def _text_problem(text: str) -> str:
    if "\x00" in text:
        return "a string holds a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a string holds an unpaired surrogate"
    return ""
