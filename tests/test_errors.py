"""The catalogue of user mistakes (docs/errors.md): one test per row.

Each row is a mistake, the exception class it must raise, and a pattern the
message must match: the op or function's name and the offending shapes or
values, never a bare NumPy message. The documented table is generated from the
same rows, and `test_catalogue_is_documented` keeps the two in step.
"""
import pathlib
import re

import numpy as np
import pytest

import tinygrad_ku as tg
import tinygrad_ku.nn.functional as F

D = tg.distributions
LOSS = [[0, 1], [100, 0]]


def A():
    return tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)


def _backward_twice():
    y = (A() * 2.0).sum()
    y.backward()
    y.backward()


def _grad_twice():
    x = A()
    y = (x * x).sum()
    tg.autograd.grad(y, x)
    tg.autograd.grad(y, x)


def _inplace_input():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = (h * h).sum()
    h.mul_(2.0)
    y.backward()


def _inplace_output():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = h.sum()
    h.add_(1.0)
    y.backward()


def _leaf(op):
    def run():
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        op(x)
    return run


def _iadd(x):
    x += 1.0


def _setitem(x):
    x[0] = 5.0


def _shape_changing_hook():
    x = A()
    x.register_hook(lambda g: g.sum())
    (x * 2.0).sum().backward()


def _anomaly():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with tg.detect_anomaly():
        x.sqrt().sum().backward()


class _NoParams:
    def parameters(self):
        return []

    def log_prob(self, x):
        return tg.tensor(0.0)


# section, mistake, code, exception, message pattern
CATALOGUE = [
    # --- shapes ---------------------------------------------------------------------------
    ("shapes", "@ with misaligned inner dimensions", lambda: A() @ tg.zeros(4, 5),
     RuntimeError, r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned"),
    ("shapes", "@ with a 0-d operand", lambda: tg.tensor(2.0) @ A(),
     RuntimeError, r"matmul: both arguments need at least 1 dimension.*\(\)"),
    ("shapes", "@ with batch dimensions that don't broadcast",
     lambda: tg.zeros(2, 2, 3) @ tg.zeros(3, 3, 4),
     RuntimeError, r"matmul: batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 4\)"),
    ("shapes", "elementwise op on shapes that don't broadcast", lambda: A() + tg.zeros(4),
     RuntimeError, r"Add: inputs of shapes \(2, 3\), \(4,\)"),
    ("shapes", "elementwise op with an ndarray that doesn't broadcast", lambda: A() * np.ones(4),
     RuntimeError, r"Mul: inputs of shapes \(2, 3\), \(4,\)"),
    ("shapes", "comparison of shapes that don't broadcast", lambda: A() < tg.zeros(4),
     RuntimeError, r"lt: shapes \(2, 3\) and \(4,\) cannot be broadcast"),
    ("shapes", "where with a condition that doesn't broadcast",
     lambda: tg.where(np.ones(4, bool), A(), A()),
     RuntimeError, r"Where: inputs of shapes \(4,\), \(2, 3\), \(2, 3\)"),
    ("shapes", "dot of vectors of different lengths", lambda: tg.dot(tg.zeros(3), tg.zeros(4)),
     RuntimeError, r"dot: .*\(3,\) and \(4,\)"),
    ("shapes", "einsum subscripts that don't fit the operands",
     lambda: tg.einsum("ij,jk->ik", A(), A()), RuntimeError, r"einsum: 'ij,jk->ik' does not fit "
     r"shapes \[\(2, 3\), \(2, 3\)\]"),
    ("shapes", "einsum subscript with the wrong number of letters",
     lambda: tg.einsum("ijk,jk->ik", A(), A()), RuntimeError,
     r"einsum: subscript 'ijk' has 3 letters but its operand has shape \(2, 3\)"),
    ("shapes", "reshape to a different number of elements", lambda: A().reshape(4, 2),
     RuntimeError, r"reshape: shape \(4, 2\) is invalid for a tensor of shape \(2, 3\)"),
    ("shapes", "reshape with two -1", lambda: A().reshape(-1, -1),
     RuntimeError, r"reshape: only one dimension can be -1"),
    ("shapes", "permute with a repeated axis", lambda: A().permute(0, 0),
     RuntimeError, r"permute: dims \(0, 0\) are not a permutation .* \(2, 3\)"),
    ("shapes", "expand to an incompatible shape", lambda: A().expand(3, 3),
     RuntimeError, r"expand: a tensor of shape \(2, 3\) cannot be expanded to \(3, 3\)"),
    ("shapes", "index out of bounds", lambda: A()[5],
     IndexError, r"getitem: index 5 is invalid for a tensor of shape \(2, 3\)"),
    ("shapes", "too many indices", lambda: A()[0, 0, 0],
     IndexError, r"getitem: index \(0, 0, 0\) is invalid for a tensor of shape \(2, 3\)"),
    ("shapes", "item assignment of a value that doesn't fit",
     lambda: tg.zeros(3).__setitem__(0, np.ones(2)),
     RuntimeError, r"setitem: cannot assign a value of shape \(2,\) .* shape \(3,\)"),
    ("shapes", "item assignment out of range", lambda: tg.zeros(3).__setitem__(5, 1.0),
     IndexError, r"setitem: index 5 is invalid for a tensor of shape \(3,\)"),
    ("shapes", "cat of tensors that differ outside dim", lambda: tg.cat([A(), tg.zeros(2, 4)]),
     RuntimeError, r"cat: shapes \[\(2, 3\), \(2, 4\)\] differ outside dim 0"),
    ("shapes", "cat of an empty list", lambda: tg.cat([]),
     ValueError, r"cat: expects a non-empty list"),
    ("shapes", "stack of tensors of different shapes", lambda: tg.stack([A(), tg.zeros(3, 2)]),
     RuntimeError, r"stack: all tensors must have the same shape, got \[\(2, 3\), \(3, 2\)\]"),
    ("shapes", "in-place op whose result has another shape",
     lambda: tg.zeros(3).add_(tg.zeros(2, 3)),
     RuntimeError, r"add_: result of shape \(2, 3\) can't be written in place into .*\(3,\)"),
    ("shapes", "trace of a non-matrix", lambda: tg.trace(tg.zeros(3)),
     RuntimeError, r"trace: expects a 2-D tensor, got shape \(3,\)"),
    ("shapes", "inverse of a non-square matrix", lambda: tg.linalg.inv(tg.zeros(2, 3)),
     ValueError, r"inv: .*square.*\(2, 3\)"),
    ("shapes", "loss with target of another shape", lambda: F.mse_loss(A(), tg.zeros(3, 2)),
     RuntimeError, r"mse_loss: target shape \(3, 2\) must equal input shape \(2, 3\)"),
    ("shapes", "cross_entropy with probability targets of another shape",
     lambda: F.cross_entropy(A(), np.ones((2, 4))),
     RuntimeError, r"cross_entropy: probability targets must have the input's shape \(2, 3\)"),
    # --- dtypes and data -------------------------------------------------------------------
    ("dtypes", "integer tensor with requires_grad=True",
     lambda: tg.tensor([1, 2], requires_grad=True),
     RuntimeError, r"tensor: only floating point tensors can require gradients \(got dtype int64\)"),
    ("dtypes", "bool tensor with requires_grad=True", lambda: tg.tensor([True], requires_grad=True),
     RuntimeError, r"only floating point tensors can require gradients \(got dtype bool\)"),
    ("dtypes", "requires_grad_() on an integer tensor", lambda: tg.tensor([1, 2]).requires_grad_(),
     RuntimeError, r"requires_grad_\(\): only floating point .* int64"),
    ("dtypes", "ragged nested lists", lambda: tg.tensor([[1.0, 2.0], [3.0]]),
     ValueError, r"tensor: cannot make a tensor from list data"),
    ("dtypes", "strings as data", lambda: tg.tensor("abc"),
     TypeError, r"tensor: cannot make a tensor from str data \(got an array of dtype <U3\)"),
    ("dtypes", "in-place float result into an integer tensor",
     lambda: tg.zeros(3, dtype="int64").add_(tg.ones(3) * 0.5),
     RuntimeError, r"add_: result of dtype float64 can't be written in place .* int64"),
    ("dtypes", "class targets that are not integers", lambda: F.nll_loss(A(), [0.5, 1.0]),
     RuntimeError, r"nll_loss: target must hold integer class indices, got dtype float64"),
    ("dtypes", "class target out of range", lambda: F.cross_entropy(A(), [0, 5]),
     IndexError, r"nll_loss: target 5 is out of range for 3 classes"),
    ("dtypes", "norm of an integer tensor", lambda: tg.linalg.vector_norm(tg.tensor([1, 2])),
     TypeError, r"vector_norm: expects a floating point tensor, got dtype int64"),
    # --- dims and options ------------------------------------------------------------------
    ("dims", "reduction dim out of range", lambda: A().sum(dim=2),
     IndexError, r"sum: dim 2 is out of range for a tensor with 2 dimension\(s\)"),
    ("dims", "negative dim out of range", lambda: A().mean(-3),
     IndexError, r"mean: dim -3 is out of range"),
    ("dims", "repeated dim", lambda: A().sum(dim=(0, 0)),
     RuntimeError, r"sum: dim \(0, 0\) repeats an axis"),
    ("dims", "non-integer dim", lambda: A().sum(dim=0.5),
     TypeError, r"sum: dim must be an int or a tuple of ints, got 0.5"),
    ("dims", "softmax dim out of range", lambda: F.softmax(A(), dim=2),
     IndexError, r"softmax: dim 2 is out of range"),
    ("dims", "transpose dim out of range", lambda: A().transpose(0, 3),
     IndexError, r"transpose: dim 3 is out of range"),
    ("dims", "unsqueeze dim out of range", lambda: A().unsqueeze(4),
     IndexError, r"unsqueeze: dim 4 is out of range for a result with 3 dimensions"),
    ("dims", "max/argmax over an empty dimension", lambda: tg.zeros(0).amax(),
     RuntimeError, r"amax: cannot reduce over a zero-size dimension \(shape \(0,\)"),
    ("dims", "unknown vector-norm ord", lambda: tg.linalg.vector_norm(tg.zeros(3), "fro"),
     ValueError, r"vector_norm: ord must be a number, inf or -inf, got 'fro'"),
    ("dims", "unknown matrix-norm ord", lambda: tg.linalg.matrix_norm(A(), 3),
     ValueError, r"matrix_norm: ord must be one of .*, got 3"),
    ("dims", "matrix ord on a 1-D tensor", lambda: tg.linalg.norm(tg.zeros(3), "nuc"),
     ValueError, r"norm: ord='nuc' is a matrix norm but the input is 1-D"),
    ("dims", "norm with ord and no dim on a 3-D tensor", lambda: tg.linalg.norm(tg.zeros(2, 2, 2), 1),
     ValueError, r"norm: with ord=1 and dim=None the input must be 1-D or 2-D, got shape "
     r"\(2, 2, 2\)"),
    ("dims", "inf-norm over an empty dimension",
     lambda: tg.linalg.vector_norm(tg.zeros(0, 2), -np.inf, dim=0),
     ValueError, r"vector_norm: ord=-inf of an empty tensor \(shape \(0, 2\)\)"),
    ("dims", "clip with neither bound", lambda: A().clip(),
     RuntimeError, r"clip: at least one of min and max must be given"),
    ("dims", "unknown loss reduction", lambda: F.mse_loss(A(), A(), reduction="avg"),
     ValueError, r"mse_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    # --- autograd --------------------------------------------------------------------------
    ("autograd", "backward() on a non-scalar without gradient=", lambda: (A() * 2.0).backward(),
     RuntimeError, r"backward\(\): grad can be implicitly created only for scalar outputs; "
     r"the output has shape \(2, 3\)"),
    ("autograd", "backward() with a gradient of the wrong shape",
     lambda: (A() * 2.0).backward(gradient=np.ones(3)),
     RuntimeError, r"backward\(\): gradient has shape \(3,\) but the output has shape \(2, 3\)"),
    ("autograd", "backward() on a tensor that doesn't require grad",
     lambda: tg.tensor([1.0]).sum().backward(),
     RuntimeError, r"backward\(\): the tensor does not require grad"),
    ("autograd", "second backward() through a freed graph", _backward_twice,
     RuntimeError, r"Trying to backward through the graph a second time.*node Sum.*"
     r"retain_graph=True"),
    ("autograd", "second autograd.grad through a freed graph", _grad_twice,
     RuntimeError, r"Trying to backward through the graph a second time"),
    ("autograd", "in-place change of a tensor saved for backward", _inplace_input,
     RuntimeError, r"modified by an inplace operation: an input of Mul with shape \(2,\)"),
    ("autograd", "in-place change of an output saved for backward", _inplace_output,
     RuntimeError, r"modified by an inplace operation: the output of Exp was changed"),
    ("autograd", "in-place method on a leaf that requires grad", _leaf(lambda x: x.add_(1.0)),
     RuntimeError, r"add_: a leaf Variable that requires grad is being used in an in-place"),
    ("autograd", "+= on a leaf that requires grad", _leaf(_iadd),
     RuntimeError, r"add_: a leaf Variable that requires grad"),
    ("autograd", "item assignment on a leaf that requires grad", _leaf(_setitem),
     RuntimeError, r"setitem: a leaf Variable that requires grad"),
    ("autograd", "grad() with respect to a tensor that doesn't require grad",
     lambda: tg.autograd.grad((A() * 2.0).sum(), tg.zeros(3)),
     RuntimeError, r"grad: input 0 \(shape \(3,\)\) does not require grad"),
    ("autograd", "grad() with respect to a tensor not in the graph",
     lambda: tg.autograd.grad((A() * 2.0).sum(), tg.zeros(3, requires_grad=True)),
     RuntimeError, r"grad: input 0 \(shape \(3,\)\) was not used .* allow_unused=True"),
    ("autograd", "numpy() on a tensor that requires grad", lambda: A().numpy(),
     RuntimeError, r"numpy\(\): can't call numpy\(\) on a tensor that requires grad"),
    ("autograd", "np.asarray() of a tensor that requires grad", lambda: np.asarray(A()),
     RuntimeError, r"Can't convert a tensor that requires grad to a NumPy array"),
    ("autograd", "a leaf's hook that changes the gradient's shape", _shape_changing_hook,
     RuntimeError, r"hook .* on a leaf of shape \(2, 3\) changed the gradient's shape from "
     r"\(2, 3\) to \(\)"),
    ("autograd", "max() with keepdim=True but no dim", lambda: A().max(keepdim=True),
     TypeError, r"max\(\): keepdim=True needs dim"),
    ("autograd", "requires_grad_(False) on a non-leaf", lambda: (A() * 2.0).requires_grad_(False),
     RuntimeError, r"requires_grad_\(False\): only leaf tensors"),
    ("autograd", "register_hook on a tensor that doesn't require grad",
     lambda: tg.zeros(3).register_hook(lambda g: g),
     RuntimeError, r"register_hook\(\): cannot register a hook"),
    ("autograd", "backward produced nan/inf under detect_anomaly", _anomaly,
     RuntimeError, r"Function 'SqrtBackward' returned nan or inf values .*created at"),
    ("autograd", "gradcheck with no input that requires grad",
     lambda: tg.autograd.gradcheck(lambda x: x, tg.zeros(3)),
     ValueError, r"gradcheck: at least one input must be a Tensor with requires_grad=True"),
    ("autograd", "item() of a tensor with several elements", lambda: A().item(),
     RuntimeError, r"item\(\): a tensor with 6 elements .*\(2, 3\)"),
    ("autograd", "truth value of a tensor with several elements", lambda: bool(A()),
     RuntimeError, r"Boolean value of Tensor with 6 values is ambiguous \(shape \(2, 3\)\)"),
    # --- distributions ---------------------------------------------------------------------
    ("distributions", "log_prob of nan", lambda: D.Normal(0.0, 1.0).log_prob(tg.tensor([0.0, np.nan])),
     ValueError, r"Normal: value passed to log_prob must be finite, got nan"),
    ("distributions", "log_prob of inf", lambda: D.Normal(0.0, 1.0).log_prob(np.inf),
     ValueError, r"Normal: value passed to log_prob must be finite, got inf"),
    ("distributions", "log_prob outside the support", lambda: D.Bernoulli(probs=0.5).log_prob(2.0),
     ValueError, r"Bernoulli: value passed to log_prob must be 0 or 1, got 2"),
    ("distributions", "non-integer count for Poisson", lambda: D.Poisson(1.0).log_prob(0.5),
     ValueError, r"Poisson: value passed to log_prob must be a non-negative integer, got 0.5"),
    ("distributions", "non-positive scale", lambda: D.Normal(0.0, -1.0),
     ValueError, r"Normal: argument 'scale' must be positive \(> 0\), got -1"),
    ("distributions", "nan parameter", lambda: D.Normal(np.nan, 1.0),
     ValueError, r"Normal: argument 'loc' must be real \(not NaN\), got nan"),
    ("distributions", "probability outside [0, 1]", lambda: D.Bernoulli(probs=1.5),
     ValueError, r"Bernoulli: argument 'probs' must be in the closed interval \[0.0, 1.0\], "
     r"got 1.5"),
    ("distributions", "both probs= and logits=", lambda: D.Bernoulli(probs=0.5, logits=0.0),
     ValueError, r"Bernoulli: pass exactly one of probs= or logits="),
    ("distributions", "category probabilities that don't sum to one",
     lambda: D.Categorical(probs=[0.5, 0.6]),
     ValueError, r"Categorical: argument 'probs' must be a probability vector.*sums to 1.1"),
    ("distributions", "covariance that is not positive definite",
     lambda: D.MultivariateNormal(tg.zeros(2), covariance_matrix=tg.tensor([[1.0, 2.0],
                                                                             [2.0, 1.0]])),
     ValueError, r"MultivariateNormal: argument 'covariance_matrix' must be a symmetric "
     r"positive-definite matrix"),
    ("distributions", "log_prob value of the wrong event shape",
     lambda: D.MultivariateNormal(tg.zeros(2), covariance_matrix=tg.eye(2)).log_prob(tg.zeros(3)),
     ValueError, r"MultivariateNormal.log_prob: value of shape \(3,\) does not broadcast"),
    ("distributions", "negative sample shape", lambda: D.Normal(0.0, 1.0).sample((-1,)),
     ValueError, r"Normal.sample: sample_shape \(-1,\) has a negative size"),
    # --- decisions -------------------------------------------------------------------------
    ("decisions", "negative probability", lambda: tg.decision.bayes_decision([1.2, -0.2], LOSS),
     ValueError, r"bayes_decision: posterior must be non-negative, found -0.2"),
    ("decisions", "probabilities that don't sum to one",
     lambda: tg.decision.bayes_decision([0.5, 0.6], LOSS),
     ValueError, r"bayes_decision: posterior must sum to 1 .* got sum 1.1"),
    ("decisions", "nan probability", lambda: tg.decision.expected_loss([np.nan, 1.0], LOSS),
     ValueError, r"expected_loss: posterior must be finite, found nan"),
    ("decisions", "posterior and loss with different class counts",
     lambda: tg.decision.expected_loss([0.2, 0.3, 0.5], LOSS),
     ValueError, r"expected_loss: loss has shape \(2, 2\) but posterior has 3 classes"),
    ("decisions", "non-square loss matrix",
     lambda: tg.decision.expected_loss([0.5, 0.5], [[0, 1, 2], [1, 0, 2]]),
     ValueError, r"expected_loss: loss must be a square \(C, C\) matrix .* shape \(2, 3\)"),
    ("decisions", "predictions and labels of different lengths",
     lambda: tg.decision.risk([0, 1, 1], [0, 1], LOSS),
     ValueError, r"risk: y_pred has shape \(3,\) but y_true has shape \(2,\)"),
    ("decisions", "threshold of a non-binary loss", lambda: tg.decision.threshold(np.ones((3, 3))),
     ValueError, r"threshold: needs a binary \(2, 2\) loss, got shape \(3, 3\)"),
    # --- creation, devices and random numbers ----------------------------------------------
    ("creation", "a CUDA tensor", lambda: tg.ones(2).cuda(),
     AssertionError, r"cuda\(\): tinygrad_ku is not compiled with CUDA enabled"),
    ("creation", "device= naming CUDA", lambda: tg.zeros(2, device="cuda"),
     AssertionError, r"zeros: tinygrad_ku is not compiled with CUDA enabled.*'cuda'"),
    ("creation", "an unknown device string", lambda: tg.device("gpu"),
     RuntimeError, r"device: Expected one of cpu, cuda, .* device string: gpu"),
    ("creation", "to() with something that is neither a dtype nor a device",
     lambda: tg.ones(2).to("floaty"), TypeError, r"to\(\): 'floaty' is not a dtype"),
    ("creation", "type() with an unknown type name", lambda: tg.ones(2).type("float64"),
     ValueError, r"type\(\): invalid type: 'float64'"),
    ("creation", "a negative size", lambda: tg.zeros(2, -1),
     RuntimeError, r"zeros: sizes must be non-negative, got \(2, -1\)"),
    ("creation", "a non-integer size", lambda: tg.ones(2.5),
     TypeError, r"ones: a size must be a sequence of ints, got \(2.5,\)"),
    ("creation", "stack of an empty list", lambda: tg.stack([]),
     RuntimeError, r"stack: expects a non-empty list of tensors"),
    ("creation", "arange with step 0", lambda: tg.arange(0, 5, 0),
     RuntimeError, r"arange: step must be nonzero"),
    ("creation", "arange whose step points away from end", lambda: tg.arange(5, 0),
     RuntimeError, r"arange: upper bound and lower bound inconsistent with step sign "
     r"\(start=5, end=0, step=1\)"),
    ("creation", "linspace with a negative number of steps", lambda: tg.linspace(0, 1, -1),
     RuntimeError, r"linspace: number of steps must be non-negative, got -1"),
    ("creation", "randint without a size", lambda: tg.randint(10),
     TypeError, r"randint: expects randint\(high, size\) or randint\(low, high, size\)"),
    ("creation", "randint with low >= high", lambda: tg.randint(5, 3, (2,)),
     RuntimeError, r"randint: expects low < high, got low=5 >= high=3"),
    ("creation", "randn into an integer dtype", lambda: tg.randn(2, dtype=tg.int64),
     NotImplementedError, r"randn: sampling into dtype int64 is not implemented"),
    ("creation", "a generator that is not a Generator", lambda: tg.rand(2, generator=0),
     TypeError, r"rand: generator must be a tg.Generator \(or a NumPy Generator\), got int"),
    ("creation", "from_numpy of a list", lambda: tg.from_numpy([1, 2]),
     TypeError, r"from_numpy: expected np.ndarray \(got list\)"),
    ("creation", "an integer default dtype", lambda: tg.set_default_dtype(tg.int64),
     TypeError, r"set_default_dtype: only floating-point types are supported as the default "
     r"type, got int64"),
    ("creation", "is_floating_point of a non-tensor", lambda: tg.is_floating_point(1.0),
     TypeError, r"is_floating_point: argument 'input' must be a Tensor, got float"),
    # --- estimation and optimisers ---------------------------------------------------------
    ("estimation", "mle with empty data", lambda: tg.estimate.mle(tg.models.Normal(), np.zeros(0)),
     ValueError, r"mle: the data is empty \(argument 0 has shape \(0,\)\)"),
    ("estimation", "mle of a model without parameters",
     lambda: tg.estimate.mle(_NoParams(), np.zeros(3)),
     ValueError, r"mle: the model _NoParams has no parameters"),
    ("estimation", "mle of something that is not a model", lambda: tg.estimate.mle(3, np.zeros(3)),
     TypeError, r"mle: the model must have .parameters\(\) and .log_prob\(\*data\).*got int"),
    ("estimation", "mle of a model class instead of an instance",
     lambda: tg.estimate.mle(tg.models.Normal, np.zeros(3)),
     TypeError, r"mle: got the class Normal; pass an instance, e.g. Normal\(\)"),
    ("estimation", "data passed scikit-learn style",
     lambda: tg.estimate.mle(tg.models.LogisticRegression(n_features=2), np.zeros((4, 2)),
                             np.zeros(4)),
     TypeError, r"mle: pass the data as one tuple, mle\(model, \(X, y\)\)"),
    ("estimation", "data passed as a list",
     lambda: tg.estimate.mle(tg.models.LogisticRegression(n_features=2),
                             [np.zeros((4, 2)), np.zeros(4)]),
     TypeError, r"mle: LogisticRegression.log_prob takes 2 data arrays; pass them as a tuple"),
    ("estimation", "a zero learning rate",
     lambda: tg.estimate.mle(tg.models.Normal(), np.zeros(3), lr=0.0),
     ValueError, r"mle: lr must be a positive finite number, got 0.0"),
    ("estimation", "a prior with more elements than its parameter",
     lambda: tg.estimate.map(tg.models.Normal(), np.zeros(3),
                             prior={"loc": tg.distributions.Normal(tg.zeros(5), 1.0)}),
     ValueError, r"map: the prior for 'loc' gives log-densities of shape \(5,\), but the "
     r"parameter has shape \(\)"),
    ("estimation", "an optimizer over other tensors",
     lambda: tg.estimate.mle(tg.models.Normal(), np.zeros(3),
                             optimizer=tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1)),
     ValueError, r"mle: the optimizer does not own the model's parameters \['loc', 'scale'\]"),
    ("estimation", "data arrays with different numbers of rows",
     lambda: tg.estimate.mle(tg.models.LogisticRegression(n_features=2),
                             (np.zeros((4, 2)), np.zeros(3, int))),
     ValueError, r"mle: every data array must have the same number of rows; argument 0 has 4, "
     r"argument 1 has shape \(3,\)"),
    ("estimation", "nan in the data", lambda: tg.estimate.mle(tg.models.Normal(),
                                                             np.array([1.0, np.nan])),
     ValueError, r"mle: data argument 0 has a non-finite value nan at index \(1,\)"),
    ("estimation", "map without a prior", lambda: tg.estimate.map(tg.models.Normal(), np.zeros(3),
                                                                  None),
     ValueError, r"map: prior is required"),
    ("estimation", "unknown optimizer name",
     lambda: tg.estimate.mle(tg.models.Normal(), np.zeros(3), optimizer="rmsprop"),
     ValueError, r"mle: optimizer must be .*got 'rmsprop'"),
    ("estimation", "optimiser given a non-leaf tensor",
     lambda: tg.optim.SGD([tg.zeros(3, requires_grad=True) * 2.0], lr=0.1),
     ValueError, r"SGD: can't optimize a non-leaf Tensor \(shape \(3,\)\)"),
    ("estimation", "optimiser given an empty parameter list", lambda: tg.optim.Adam([], lr=0.1),
     ValueError, r"Adam: got an empty parameter list"),
    ("estimation", "optimiser given an ndarray", lambda: tg.optim.SGD([np.zeros(3)], lr=0.1),
     TypeError, r"SGD: can only optimize Tensors, got ndarray"),
    ("estimation", "optimiser given an integer tensor",
     lambda: tg.optim.SGD([tg.tensor([1, 2])], lr=0.1),
     TypeError, r"SGD: can't optimize a tensor of dtype int64"),
    ("estimation", "negative learning rate",
     lambda: tg.optim.SGD([tg.zeros(3, requires_grad=True)], lr=-0.1),
     ValueError, r"SGD: invalid lr value -0.1"),
    ("estimation", "Adam betas outside [0, 1)",
     lambda: tg.optim.Adam([tg.zeros(3, requires_grad=True)], lr=0.1, betas=(1.5, 0.9)),
     ValueError, r"Adam: betas must lie in \[0, 1\), got \(1.5, 0.9\)"),
    ("estimation", "LBFGS.step() without a closure",
     lambda: tg.optim.LBFGS([tg.zeros(3, requires_grad=True)]).step(),
     RuntimeError, r"LBFGS.step requires a closure"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("section,mistake,code,exc,pattern", CATALOGUE,
                         ids=[row[1] for row in CATALOGUE])
def test_mistake_raises_a_clear_error(section, mistake, code, exc, pattern):
    with pytest.raises(exc) as info:
        code()
    assert type(info.value) is exc or issubclass(type(info.value), exc)
    assert re.search(pattern, str(info.value)), f"message {str(info.value)!r} !~ {pattern!r}"


def test_catalogue_is_documented():
    doc = (pathlib.Path(__file__).parent.parent / "docs" / "errors.md").read_text()
    missing = [m for _, m, *_ in CATALOGUE if f"| {m} |" not in doc]
    assert not missing, f"rows missing from docs/errors.md: {missing}"
    assert f"{len(CATALOGUE)} mistakes" in doc


def test_failed_op_leaves_no_half_built_graph():
    """A shape error raises before anything is recorded: the inputs stay usable."""
    x = A()
    with pytest.raises(RuntimeError):
        x @ tg.zeros(4, 5)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
