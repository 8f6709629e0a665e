"""Trains the tiny byte-level BPE (1000 ids) that models/demo-opt-tiny ships as vocab.json + merges.txt."""
import collections, json, re, sys

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))

B2U = bytes_to_unicode()
PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
corpus = "\n".join(open(p, encoding="utf-8").read() for p in sys.argv[2:])
words = collections.Counter("".join(B2U[b] for b in w.encode("utf-8")) for w in PAT.findall(corpus))
specials = ["<s>", "<pad>", "</s>", "<unk>"]
vocab = {t: i for i, t in enumerate(specials)}
for b in range(256):
    vocab[B2U[b]] = len(vocab)
splits = {w: list(w) for w in words}
merges = []
target = int(sys.argv[1])
while len(vocab) < target:
    pairs = collections.Counter()
    for w, c in words.items():
        s = splits[w]
        for a, b in zip(s, s[1:]):
            pairs[(a, b)] += c
    if not pairs:
        break
    (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
    merges.append(a + " " + b)
    vocab[a + b] = len(vocab)
    for w in words:
        s = splits[w]
        i = 0
        out = []
        while i < len(s):
            if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                out.append(a + b); i += 2
            else:
                out.append(s[i]); i += 1
        splits[w] = out
assert len(vocab) == target, len(vocab)
json.dump(vocab, open("vocab.json", "w", encoding="utf-8"), ensure_ascii=False)
with open("merges.txt", "w", encoding="utf-8") as f:
    f.write("#version: 0.2\n")
    f.write("\n".join(merges) + "\n")
print(len(vocab), len(merges))
