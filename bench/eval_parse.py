#!/usr/bin/python3
"""Grades `interviewgenius parse` against the hand-made labels of the shared resume corpus.

Runs the parser once over every corpus file that has a label (labels/<file>.json; the rules are in
labels/README.md) and prints precision, recall and F1 per field, a table per file, and the targets
of issue 4 with pass/fail marks. It is a report: it exits 0 whatever the numbers (2 when it cannot
run at all). Standard library only.

Grading, after the labels' normalisation (NFKC, case folding, no whitespace, U+2010/2011/2013/2014/
00AD dashes as "-"; null and [] are the same):
  name, email      equal
  phone            equal digits (a country code on one side only is allowed)
  links            as sets, without scheme, a leading "www." or trailing slash, host lower-cased
                   (the labels write what is printed, "linkedin.com/in/x", where the annotation has
                   www.linkedin.com); mailto: and tel: links are not links here (the labels leave them
                   out)
  skills           the skills the parser found in a skills section (sources has "skills") against
                   the label's items; one matches another when either contains the other at word
                   boundaries, comparing the parser's canonical name and its raw (printed) form. The
                   labels list skills-section items only, so precision and recall are reported apart
                   and recall is the target; "skills (any source)" counts every skill found
  education        entries paired on school, experience on company, projects on name: similar
                   (difflib ratio >= 0.8) or one containing the other, best pairs first. For paired
                   entries: degree (against degree_raw), major, title (containment either way),
                   start and end: the label's printed date against our start_raw/end_raw, or equal to
                   our normalised start/end
Entry fields count an entry as a hit when paired; sub-fields are graded over paired entries only.
Precision, recall and F1 are micro-averaged over the files.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.normpath(os.path.join(REPO, "..", "shared", "corpus", "resumes"))
DEFAULT_BIN = os.path.join(REPO, "build", "interviewgenius")
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad"), "-")
FUZZY = 0.8
TARGETS = [  # (field, measure, goal): issue 4's "done when"
    ("name", "f1", 0.95), ("email", "f1", 0.95), ("phone", "f1", 0.95), ("links", "f1", 0.95),
    ("skills", "recall", 0.85), ("education", "f1", 0.85), ("experience", "f1", 0.85),
]
ENTRY_KEYS = {"education": "school", "experience": "company", "projects": "name"}
SUBFIELDS = {"education": ("degree", "major", "start", "end"), "experience": ("title", "start", "end"),
             "projects": ()}
FIELDS = (["name", "email", "phone", "links", "skills", "skills (any source)"]
          + [f for kind in ("education", "experience", "projects")
             for f in [kind] + [f"{kind}.{s}" for s in SUBFIELDS[kind]]])


def norm(s):
    if s is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(s)).translate(DASHES).casefold().split())


def digits(s):
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", s or ""))


def norm_link(u):
    u = unicodedata.normalize("NFKC", u.strip())
    u = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", u).rstrip("/")
    host, sep, rest = u.partition("/")
    host = host.lower()
    return (host[4:] if host.startswith("www.") else host) + sep + rest


WORD = re.compile(r"[a-z0-9+#]")


def contains_word(big, small):
    """small occurs in big with no ASCII word character (letters, digits, + and #) glued to it."""
    if not small:
        return False
    start = big.find(small)
    while start >= 0:
        end = start + len(small)
        before = big[start - 1] if start > 0 else " "
        after = big[end] if end < len(big) else " "
        glued = (WORD.match(small[0]) and WORD.match(before)) or (WORD.match(small[-1]) and WORD.match(after))
        if not glued:
            return True
        start = big.find(small, start + 1)
    return False


def similar(a, b):
    """a and b (normalised) name the same thing: equal, one containing the other, or close."""
    if not a or not b:
        return False
    return (a == b or contains_word(a, b) or contains_word(b, a)
            or difflib.SequenceMatcher(None, a, b).ratio() >= FUZZY)


class Tally:
    def __init__(self):
        self.tp = self.fp = self.fn = self.support = 0

    def add(self, tp=0, fp=0, fn=0, support=0):
        self.tp += tp
        self.fp += fp
        self.fn += fn
        self.support += support

    def numbers(self):
        """P, R and F1; None where there is nothing to divide (no prediction, no label)."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        if p is None and r is None:
            f = None
        else:
            p0, r0 = p or 0.0, r or 0.0
            f = 2 * p0 * r0 / (p0 + r0) if p0 + r0 else 0.0
        return {"precision": p, "recall": r, "f1": f, "support": self.support, "tp": self.tp, "fp": self.fp,
                "fn": self.fn}


def grade_scalar(t, pred, label, same):
    """One value: a hit when both are there and the same; a wrong value is a miss and a false hit."""
    has_p, has_l = bool(pred and str(pred).strip()), bool(label and str(label).strip())
    ok = has_p and has_l and same(pred, label)
    t.add(tp=int(ok), fp=int(has_p and not ok), fn=int(has_l and not ok), support=int(has_l))
    return None if not has_l and not has_p else ok


def same_norm(a, b):
    return norm(a) == norm(b)


def same_phone(a, b):
    da, db = digits(a), digits(b)
    if not da or not db:
        return False
    short, long_ = sorted((da, db), key=len)
    return da == db or (len(short) >= 7 and long_.endswith(short))


def same_loose(a, b):
    a, b = norm(a), norm(b)
    return bool(a and b) and (a == b or a in b or b in a)


def date_match(entry, side, label):
    raw, value = entry.get(f"{side}_raw"), entry.get(side)
    return norm(raw) == norm(label) or norm(value) == norm(label)


def grade_set(t, pred, label, match):
    """Sets: a prediction is a hit when it matches some label item, a label item is found when some
    prediction matches it."""
    hits = sum(1 for p in pred if any(match(p, l) for l in label))
    found = sum(1 for l in label if any(match(p, l) for p in pred))
    t.add(tp=found, fp=len(pred) - hits, fn=len(label) - found, support=len(label))
    return found, len(label), hits, len(pred)


def skill_match(pred, label):
    l = norm(label)
    for s in (pred.get("name"), pred.get("raw")):
        n = norm(s)
        if n and l and (n == l or contains_word(n, l) or contains_word(l, n)):
            return True
    return False


def pair_entries(pred, label, key):
    """Best-first one-to-one pairs (i_pred, j_label) whose keys are similar."""
    cands = []
    for i, p in enumerate(pred):
        for j, l in enumerate(label):
            a, b = norm(p.get(key)), norm(l.get(key))
            if similar(a, b):
                cands.append((difflib.SequenceMatcher(None, a, b).ratio(), i, j))
    pairs, used_p, used_l = [], set(), set()
    for _, i, j in sorted(cands, reverse=True):
        if i not in used_p and j not in used_l:
            pairs.append((i, j))
            used_p.add(i)
            used_l.add(j)
    return pairs


def grade_entries(tallies, kind, pred, label):
    key = ENTRY_KEYS[kind]
    pred = [e for e in (pred or []) if isinstance(e, dict)]
    label = label or []
    pairs = pair_entries(pred, label, key)
    tallies[kind].add(tp=len(pairs), fp=len(pred) - len(pairs), fn=len(label) - len(pairs), support=len(label))
    for i, j in pairs:
        p, l = pred[i], label[j]
        for sub in SUBFIELDS[kind]:
            t = tallies[f"{kind}.{sub}"]
            if sub in ("start", "end"):
                grade_scalar(t, p.get(f"{sub}_raw") or p.get(sub), l.get(sub),
                             lambda _a, b, p=p, sub=sub: date_match(p, sub, b))
            elif sub == "degree":
                grade_scalar(t, p.get("degree_raw") or p.get("degree"), l.get(sub),
                             lambda a, b, p=p: same_loose(a, b) or same_loose(p.get("degree"), b))
            else:
                grade_scalar(t, p.get(sub), l.get(sub), same_loose)
    return len(pairs), len(label), len(pred)


def f1_of(found, nlabel, hits, npred):
    if not nlabel and not npred:
        return None
    p = hits / npred if npred else 0.0
    r = found / nlabel if nlabel else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def grade_file(tallies, out, lab):
    row = {}
    bi = out.get("basic_info") if isinstance(out.get("basic_info"), dict) else {}
    row["name"] = grade_scalar(tallies["name"], bi.get("name"), lab.get("name"), same_norm)
    row["email"] = grade_scalar(tallies["email"], bi.get("email"), lab.get("email"), same_norm)
    row["phone"] = grade_scalar(tallies["phone"], bi.get("phone"), lab.get("phone"), same_phone)
    links = {norm_link(u) for u in (bi.get("links") or []) if isinstance(u, str)
             and not re.match(r"^(mailto|tel):", u.strip(), re.I)}
    labels = {norm_link(u) for u in (lab.get("links") or [])}
    found, n, hits, npred = grade_set(tallies["links"], links, labels, lambda a, b: a == b)
    row["links"] = f1_of(found, n, hits, npred)
    skills = [s for s in (out.get("skills") or []) if isinstance(s, dict)]
    section = [s for s in skills if "skills" in (s.get("sources") or [])]
    found, n, _, _ = grade_set(tallies["skills"], section, lab.get("skills") or [], skill_match)
    row["skills R"] = found / n if n else None
    found, n, _, _ = grade_set(tallies["skills (any source)"], skills, lab.get("skills") or [], skill_match)
    row["skills R any"] = found / n if n else None
    for kind in ("education", "experience", "projects"):
        pairs, nl, npred = grade_entries(tallies, kind, out.get(kind), lab.get(kind))
        row[kind] = f1_of(pairs, nl, pairs, npred)
    return row


def run_parser(binary, files, timeout):
    """{file: parse output or {"error": ...}} from one `parse FILE...` run."""
    with tempfile.TemporaryDirectory(prefix="eval-parse-") as tmp:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
        env.update({"DATA_DIR": tmp, "LOG_LEVEL": "warn"})
        r = subprocess.run([binary, "parse"] + files, cwd=tmp, env=env, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    results = {}
    lines = [ln for ln in r.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
    if len(files) == 1 and lines:  # one file: indented JSON
        lines = ["\n".join(lines)]
    for ln in lines:
        try:
            o = json.loads(ln)
        except ValueError:
            continue
        results[o.get("file", files[0])] = o
    for f in files:
        results.setdefault(f, {"error": "no output: " + r.stderr.decode("utf-8", "replace").strip()[-300:]})
    return results


def fmt(v, pct=False):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "ok" if v else "X"
    return f"{v * 100:.0f}" if pct else f"{v:.3f}"


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus folder (with labels/); default %(default)s")
    ap.add_argument("--bin", default=os.environ.get("IG_BIN", DEFAULT_BIN), help="interviewgenius binary")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON instead of tables")
    ap.add_argument("--timeout", type=int, default=900, help="seconds for the whole parse run")
    args = ap.parse_args()
    label_dir = os.path.join(args.corpus, "labels")
    if not os.path.isdir(label_dir):
        sys.exit(f"eval_parse: no labels at {label_dir}")
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"eval_parse: {args.bin} is not an executable (make it first)")
    names = sorted(f[:-len(".json")] for f in os.listdir(label_dir)
                   if f.endswith(".json") and os.path.isfile(os.path.join(args.corpus, f[:-len(".json")])))
    if not names:
        sys.exit(f"eval_parse: no labelled files in {args.corpus}")
    outputs = run_parser(args.bin, [os.path.join(args.corpus, n) for n in names], args.timeout)

    tallies = {f: Tally() for f in FIELDS}
    per_file = {}
    for n in names:
        with open(os.path.join(label_dir, n + ".json"), encoding="utf-8") as fh:
            lab = json.load(fh)
        out = outputs[os.path.join(args.corpus, n)]
        row = grade_file(tallies, {} if "error" in out else out, lab)
        if "error" in out:
            row["error"] = out["error"]
        per_file[n] = row
    fields = {f: t.numbers() for f, t in tallies.items()}
    targets = []
    for field, measure, goal in TARGETS:
        v = fields[field][measure]
        targets.append({"field": field, "measure": measure, "goal": goal, "value": v,
                        "pass": v is not None and v >= goal})

    if args.json:
        json.dump({"corpus": args.corpus, "fields": fields, "files": per_file, "targets": targets}, sys.stdout,
                  indent=2, ensure_ascii=False)
        print()
        return 0
    print(f"eval-parse: {len(names)} labelled files in {args.corpus}\n")
    print(table(["field", "P", "R", "F1", "support"],
                [[f, fmt(v["precision"]), fmt(v["recall"]), fmt(v["f1"]), v["support"]] for f, v in fields.items()]))
    print()
    cols = ["name", "email", "phone", "links", "skills R", "skills R any", "education", "experience", "projects"]
    rows = [[n] + [fmt(r.get(c), pct=not isinstance(r.get(c), bool)) for c in cols] + [r.get("error", "")[:60]]
            for n, r in per_file.items()]
    print(table(["file (F1 / recall in %)"] + cols + ["error"], rows))
    print()
    print(table(["target", "goal", "value", ""],
                [[f"{t['field']} {t['measure']}", f">= {t['goal']:.2f}", fmt(t["value"]),
                  "PASS" if t["pass"] else "FAIL"] for t in targets]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
