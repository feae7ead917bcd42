"""Parse git trailers out of a raw commit message, the way git itself finds them.

`pygit2.Commit.message_trailers` returns a dict, so three `Co-authored-by`
lines collapse into one and `Co-Authored-By` is a different key from
`Co-authored-by`. Authorship detection needs every trailer, so this module
re-implements the block detection of git's `trailer.c` (as used by
`git log --format=%(trailers:only,unfold)`):

* the title paragraph never holds trailers;
* the trailer block is the last paragraph (trailing blank and `#` comment
  lines are skipped) and it counts only if every line in it is a trailer or
  a continuation, or, when it contains a git-generated line
  (`Signed-off-by: `, `(cherry picked from commit `), at least a quarter of
  its lines are trailers;
* a trailer is `Key: value` where the key is letters, digits and `-`,
  optionally followed by blanks before the colon;
* a line starting with whitespace continues the previous trailer and is
  folded into it with a single space.

A commit message is not a patch, so a `---` line is not a divider here (git
log does the same). CRLF line ends are accepted.
"""

from __future__ import annotations

_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
_COMMENT = "#"
_SPACE = " \t\n\r\v\f"  # C isspace(), which is what git uses


def _is_blank(line: str) -> bool:
    return not line.strip(_SPACE)


def _starts_with_space(line: str) -> bool:
    return line[:1] != "" and line[0] in _SPACE


def _separator_pos(line: str) -> int:
    """Index of the `:` that ends a trailer key, or -1 if `line` is no trailer.

    Mirrors git's `find_separator`: a run of alphanumerics and `-`, then
    optional blanks, then the separator. Position 0 never counts.
    """
    seen_blank = False
    for i, c in enumerate(line):
        if c == ":":
            return i if i >= 1 else -1
        if not seen_blank and (c == "-" or (c.isascii() and c.isalnum())):
            continue
        if i != 0 and c in " \t":
            seen_blank = True
            continue
        break
    return -1


def _block_start(lines: list[str]) -> int:
    """Index of the first line of the trailer block, or len(lines) if none."""
    end_of_title = len(lines)
    for i, line in enumerate(lines):
        if line.startswith(_COMMENT):
            continue
        if _is_blank(line):
            end_of_title = i
            break

    only_blank = True
    recognized = False
    trailer_lines = 0
    non_trailer_lines = 0
    maybe_continuation = 0
    for i in range(len(lines) - 1, end_of_title - 1, -1):
        line = lines[i]
        if line.startswith(_COMMENT):
            non_trailer_lines += maybe_continuation
            maybe_continuation = 0
            continue
        if _is_blank(line):
            if only_blank:
                continue
            non_trailer_lines += maybe_continuation
            if recognized and trailer_lines * 3 >= non_trailer_lines:
                return i + 1
            if trailer_lines and not non_trailer_lines:
                return i + 1
            return len(lines)
        only_blank = False
        if line.startswith(_GIT_GENERATED):
            trailer_lines += 1
            maybe_continuation = 0
            recognized = True
            continue
        if _separator_pos(line) >= 1 and not _starts_with_space(line):
            trailer_lines += 1
            maybe_continuation = 0
        elif _starts_with_space(line):
            maybe_continuation += 1
        else:
            non_trailer_lines += 1 + maybe_continuation
            maybe_continuation = 0
    return len(lines)


def _unfold(value: str) -> str:
    """Collapse each line break and the whitespace after it to one space."""
    parts = value.split("\n")
    return " ".join([parts[0], *(p.lstrip(_SPACE) for p in parts[1:])]).strip(_SPACE)


def parse_trailers(message: str) -> tuple[tuple[str, str], ...]:
    """Every trailer of `message`, in order, as (lowercased key, unfolded value).

    Repeated keys are all kept. Keys are compared case-insensitively by
    lowercasing them; values keep their case.
    """
    lines = message.replace("\r\n", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    start = _block_start(lines)

    joined: list[str] = []
    last_is_trailer = False
    for line in lines[start:]:
        if line.startswith(_COMMENT):
            continue
        if last_is_trailer and _starts_with_space(line):
            joined[-1] += "\n" + line
            continue
        joined.append(line)
        last_is_trailer = _separator_pos(line) >= 1

    out: list[tuple[str, str]] = []
    for text in joined:
        pos = _separator_pos(text)
        if pos < 1:
            continue
        key = text[:pos].strip(_SPACE).lower()
        out.append((key, _unfold(text[pos + 1 :])))
    return tuple(out)
