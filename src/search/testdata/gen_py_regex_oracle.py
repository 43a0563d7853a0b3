"""Regenerate py_regex_oracle.json with Python 3.11's `re` (never needed at test time).

    cd src/search/testdata && python3.11 gen_py_regex_oracle.py

MLflow answers `RLIKE` on SQLite with `re.search(pattern, value) is not None`, a pattern `re`
refuses matching nothing. Patterns are drawn (fixed seed) from atoms, quantifiers, assertions
and flags where Python's and JavaScript's dialects differ; each case stores, per text, whether `re.search` found it.
"""

import json
import random
import re

ATOMS = [
    "a", "b", "A", ".", "\\d", "\\w", "\\s", "\\W", "\\D", "é", "É", "-", "_", "1", " ", "\\.",
    "\\\\", "\\n", "\\x41", "\\u00e9", "[ab]", "[^a]", "[\\d]", "[]a]", "[\\w-]", "(a|b)",
    "(?:ab)", "(?P<n>a)", "(?P=n)", "(?=a)", "(?!b)", "(?#c)", "\\e", "\\z", "(", ")", "[", "|",
]
QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{,2}", "{1,}", "*?", "+?"]
ASSERTIONS = ["^", "$", "\\A", "\\Z", "\\b", "\\B"]
FLAGS = ["", "", "", "(?i)", "(?s)", "(?m)", "(?x)", "(?im)"]
TEXTS = ["ab", "abab", "a\n", "a\nb", "é", "ÉA", "a b", "12", "١٢", "a-b_c", "", "[]", ".",
         "\\", "aab", "ba", "_1", "a.b", "AB\n", "A"]


def search(pattern, text):
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


random.seed(20261130)
cases = []
seen = set()
while len(cases) < 1500:
    parts = [random.choice(FLAGS)]
    for _ in range(random.randint(1, 5)):
        if random.random() < 0.2:
            parts.append(random.choice(ASSERTIONS) + random.choice(QUANTIFIERS[:6]))
        else:
            parts.append(random.choice(ATOMS) + random.choice(QUANTIFIERS))
    pattern = "".join(parts)
    if pattern in seen:
        continue
    seen.add(pattern)
    cases.append([pattern, "".join("1" if search(pattern, t) else "0" for t in TEXTS)])

with open("py_regex_oracle.json", "w", encoding="utf-8") as f:
    f.write('{"texts": ' + json.dumps(TEXTS, ensure_ascii=False) + ',\n"cases": [\n')
    f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n]}\n")
