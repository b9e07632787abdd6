"""Op-table cases of tests/test_vocabulary.py's differentiable names: mm, bmm, softmax and
log_softmax methods, tril, triu."""
from op_table import Case, _one


def cases():
    return [
        Case("mm", "tg.mm({x}, {y})", [((2, 3), (3, 4)), ((1, 3), (3, 1)), ((0, 3), (3, 2))],
             ("real", "real"), fuzz="matrices only", ref=lambda a, b: a @ b),
        Case("bmm", "{x}.bmm({y})", [((2, 2, 3), (2, 3, 4)), ((1, 1, 2), (1, 2, 1))],
             ("real", "real"), fuzz="batches of matrices only", ref=lambda a, b: a @ b),
        Case("softmax_method", "{x}.softmax({dim})", _one([(4, 3), (2, 1, 3), (0, 3)]),
             params=lambda s: [{"dim": -1}, {"dim": 0}], fuzz="F.softmax is fuzzed"),
        Case("log_softmax_method", "tg.log_softmax({x}, {dim})", _one([(4, 3), (3, 1)]),
             params=lambda s: [{"dim": 1}], fuzz="F.log_softmax is fuzzed"),
        Case("tril", "{x}.tril({k})", _one([(3, 3), (2, 3, 4), (1, 1), (0, 2)]),
             params=lambda s: [{"k": 0}, {"k": -1}, {"k": 1}], fuzz="needs 2 dims"),
        Case("triu", "tg.triu({x}, {k})", _one([(3, 3), (2, 4)]),
             params=lambda s: [{"k": 0}, {"k": 2}], fuzz="needs 2 dims"),
    ]
