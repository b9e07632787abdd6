"""Op-table case of tg.compile (tests/test_compile.py): a compiled call is one node,
`CompiledCall`, whose vjp runs the generated backward code (and, under create_graph, f again
eagerly)."""
from op_table import Case


def cases():
    return [
        Case("compiled", "tg.compile(lambda a, b: (a * b).tanh() + a.exp())({x}, {y})",
             [((3,), (3,)), ((2, 3), (3,)), ((), ())], ("real", "real"),
             fuzz="each call traces anew; the ops inside are fuzzed on their own"),
    ]
