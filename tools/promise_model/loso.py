"""Does a learned model beat the importer's rules on letters it was not trained on?

Leave-one-set-out over the annotated sets (tests/letters = "corpus", heldout, heldout2 …):
a logistic regression over hashed features of each unit the rules decide on (the sentence
pieces the promise walker reads, dumped by examples/import_units.rs) is trained on every
other set and applied to the held-out one, as a second opinion on the rules' drafts:

  veto  a draft whose units all score below tv;
  add   a unit the rules left out that scores at least ta (owner: the rules' candidate).

tv and ta are picked without the held-out set: on the out-of-fold scores of the sets first
scored unseen (heldout7-10) other than the held-out one, each scored by a model that saw
neither. Drafts are scored exactly as src/import/score.rs scores them (a row is found by
the first draft whose source or text contains its key, with the right owner).

Not needed to build or run followup. Usage (from the repository root):

  cargo build --release --example import_units
  for s in "" heldout heldout2 …; do target/release/examples/import_units tests/letters/$s \
      > DATA/${s:-corpus}.jsonl; done
  python3 -m venv VENV && VENV/bin/pip install scikit-learn
  nice -n 19 VENV/bin/python tools/promise_model/loso.py DATA [variant …]

Variants: text (character 1-3-grams of the unit only), context (+ the walker's state:
next-steps region, progress/topic heading, ordinal, position, tense words, and the previous
unit's and heading's character bigrams), rules (+ the rules' own decision on the unit and
its neighbours).
"""
import itertools, json, os, sys
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

SETS = ["corpus", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6",
        "heldout7", "heldout8", "heldout9", "heldout10"]
UNSEEN = ["heldout7", "heldout8", "heldout9", "heldout10"]
FUTURE = ["将", "拟", "计划", "力争", "争取", "继续", "进一步", "持续", "加快", "下一步", "下步",
          "今后", "要", "会", "预计", "着力", "推动", "加强"]
PAST = ["已", "目前", "近年来", "已经", "了", "完成", "截至", "先后", "共计", "累计", "去年",
        "今年以来", "此前", "曾"]
DIM = 1 << 18

# ───────────── data ─────────────

def covers(c, form):
    return bool(form) and (form in c["source"] or c["source"] in form or (c["text"] and c["text"] in form))

def examples(letter):
    units, forms, coms, rows = letter["units"], letter["forms"], letter["commitments"], letter["rows"]
    n = len(units)
    nblocks = max([u["block"] for u in units] + [1])
    cov = [[j for j, c in enumerate(coms) if covers(c, f)] for f in forms]
    out = []
    for i, (u, f) in enumerate(zip(units, forms)):
        keys = [k for k, r in enumerate(rows) if r["key"] and r["key"] in f]
        out.append(dict(
            text=f, label=bool(keys), owner=u["owner"], cov=cov[i], heading=u["heading"],
            prev=forms[i - 1] if i else "",
            head=next((forms[k] for k in range(i - 1, -1, -1) if units[k]["heading"]), ""),
            state=dict(
                heading=u["heading"], ord=u["ordinal"] or 0, in_region=u["in_region"],
                in_region_after=u["in_region_after"], in_progress=u["in_progress"],
                in_topic=u["in_topic"], depth=min(u["depth"], 3), pos=int(5 * i / max(n - 1, 1)),
                block_pos=int(5 * u["block"] / nblocks), len=min(len(f) // 20, 8),
                owner_named=u["owner_named"], ends_colon=f.endswith("："),
                prev_colon=i > 0 and forms[i - 1].endswith("："),
                owner_self=u["owner"] == "答复单位" or u["owner"].startswith("我"),
                future=[w for w in FUTURE if w in f], past=[w for w in PAST if w in f]),
            rule=dict(rule=bool(cov[i]), made=u["items_after"] > u["items_before"],
                      continued=u["continued"], prev_rule=i > 0 and bool(cov[i - 1]),
                      next_rule=i + 1 < n and bool(cov[i + 1]))))
    return out

def load(data):
    letters = {}
    for s in SETS:
        with open(os.path.join(data, s + ".jsonl")) as f:
            letters[s] = [(json.loads(l), None) for l in f]
        letters[s] = [(L, examples(L)) for L, _ in letters[s]]
    return letters

# ───────────── features and model ─────────────

def fnv1a(s):
    h = 0x811C9DC5
    for b in s.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h

def grams(prefix, t, lo, hi):
    return [prefix + t[i:i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]

def tokens(e, variant):
    out = grams("c", e["text"], 1, 3)
    if variant == "text":
        return out
    for k, v in e["state"].items():
        if isinstance(v, list):
            out += [f"{k}:{w}" for w in v]
        elif isinstance(v, bool):
            out += [k] if v else []
        else:
            out.append(f"{k}={v}")
    out += grams("p", e["prev"], 2, 2) + grams("h", e["head"], 2, 2)
    if variant == "rules":
        out += [k for k, v in e["rule"].items() if v]
    return out

def matrix(exs, variant):
    r, c = [], []
    for i, e in enumerate(exs):
        idx = sorted({fnv1a(t) % DIM for t in tokens(e, variant)})
        r += [i] * len(idx)
        c += idx
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(exs), DIM))

def fit(letters, sets, variant):
    exs = [e for s in sets for _, ex in letters[s] for e in ex]
    m = LogisticRegression(C=1.0, max_iter=2000, solver="liblinear")
    m.fit(matrix(exs, variant), np.array([e["label"] for e in exs]))
    return m

def predict(m, letters, s, variant):
    return [m.predict_proba(matrix(ex, variant))[:, 1] if ex else np.array([]) for _, ex in letters[s]]

# ───────────── scoring (as src/import/score.rs) ─────────────

def score(rows, drafts):
    matched = [False] * len(rows)
    t = dict(rows=len(rows), drafted=len(drafts), found=0, owner=0, missed=0, spurious=0)
    for c in drafts:
        hit = next((i for i, r in enumerate(rows)
                    if not matched[i] and (r["key"] in c["source"] or r["key"] in c["text"])), None)
        if hit is None:
            t["spurious"] += 1
            continue
        matched[hit] = True
        t["found" if c["owner"].replace(" ", "") in rows[hit]["owners"] else "owner"] += 1
    t["missed"] = matched.count(False)
    return t

def add(a, b):
    return {k: a.get(k, 0) + v for k, v in b.items()}

def combined(letter, ex, p, tv, ta):
    keep = []
    for j, c in enumerate(letter["commitments"]):
        ps = [q for e, q in zip(ex, p) if j in e["cov"]]
        if not ps or max(ps) >= tv:
            keep.append(c)
    keep += [{"owner": e["owner"], "source": e["text"], "text": e["text"]}
             for e, q in zip(ex, p) if not e["cov"] and not e["heading"] and q >= ta]
    return keep

def tally(letters, s, probs, tv, ta):
    t = {}
    for (L, ex), p in zip(letters[s], probs):
        t = add(t, score(L["rows"], combined(L, ex, p, tv, ta)))
    return t

TV = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
TA = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01]

def run(letters, variant):
    res = {}
    for s in SETS:
        rest = [x for x in SETS if x != s]
        probs = predict(fit(letters, rest, variant), letters, s, variant)
        pick_sets = [x for x in UNSEEN if x != s]
        inner = {x: predict(fit(letters, [y for y in rest if y != x], variant), letters, x, variant)
                 for x in pick_sets}
        def gain(tv, ta):
            t = {}
            for x in pick_sets:
                t = add(t, tally(letters, x, inner[x], tv, ta))
            return t["found"] - t["spurious"]
        _, tv, ta = max((gain(tv, ta), -tv, -ta) for tv in TV for ta in TA)
        tv, ta = -tv, -ta
        res[s] = (tally(letters, s, probs, 0.0, 1.01), tally(letters, s, probs, tv, ta), tv, ta, probs)
        print(f"{variant:8} {s:10} rows {res[s][0]['rows']:3}  rules found {res[s][0]['found']:3} "
              f"spurious {res[s][0]['spurious']:3}/{res[s][0]['drafted']:3}  | +model (tv {tv}, ta {ta}) "
              f"found {res[s][1]['found']:3} spurious {res[s][1]['spurious']:3}/{res[s][1]['drafted']:3}", flush=True)
    for name, grp in (("heldout7-10", UNSEEN), ("all sets", SETS)):
        r, m = {}, {}
        for s in grp:
            r, m = add(r, res[s][0]), add(m, res[s][1])
        pct = lambda a, b: 100.0 * a / max(b, 1)
        print(f"{variant:8} {name}: rules {r['found']}/{r['rows']} = {pct(r['found'], r['rows']):.1f} % found, "
              f"{r['spurious']}/{r['drafted']} = {pct(r['spurious'], r['drafted']):.1f} % spurious | +model "
              f"{m['found']}/{m['rows']} = {pct(m['found'], m['rows']):.1f} % found, "
              f"{m['spurious']}/{m['drafted']} = {pct(m['spurious'], m['drafted']):.1f} % spurious", flush=True)
    # The veto's whole trade-off on heldout7-10 (a curve over tv, not a pick).
    curve = []
    for tv in TV:
        t = {}
        for s in UNSEEN:
            t = add(t, tally(letters, s, res[s][4], tv, 1.01))
        curve.append(f"tv {tv}: {t['found']} found, {t['spurious']} spurious")
    print(f"{variant:8} veto only, heldout7-10: " + "; ".join(curve), flush=True)

if __name__ == "__main__":
    letters = load(sys.argv[1])
    for v in sys.argv[2:] or ["text", "context", "rules"]:
        run(letters, v)
