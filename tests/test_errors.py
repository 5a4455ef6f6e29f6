"""Bad input: every mistake a learner is likely to make gets a message that says what to do."""

import numpy as np
import pytest

import bpcourse as bp
from bpcourse import errors
from bpcourse.errors import BPCourseError


@pytest.fixture
def net():
    return bp.MLP([3, 4, 2], seed=0)


def test_error_classes():
    assert issubclass(BPCourseError, ValueError)  # `except ValueError` still catches it
    assert issubclass(bp.TrainingDiverged, FloatingPointError)
    assert issubclass(bp.TrainingDiverged, BPCourseError)  # one `except bp.BPCourseError` catches every course error


def test_examples_in_rows_says_pass_X_T(net):
    with pytest.raises(BPCourseError) as err:
        net.forward(np.zeros((5, 3)))
    assert str(err.value) == (
        "X has shape (5, 3) but the network expects (3, m): examples go in columns, one per column; pass X.T"
    )


def test_wrong_number_of_features(net):
    with pytest.raises(BPCourseError, match=r"^X has shape \(4, 5\); expected \(3, m\)$"):
        net.forward(np.zeros((4, 5)))


def test_one_dimensional_X_suggests_reshape(net):
    with pytest.raises(BPCourseError, match=r"got 1-D shape \(3,\); for one example use X\.reshape\(-1, 1\)"):
        net.forward(np.zeros(3))


def test_non_numeric_X(net):
    with pytest.raises(BPCourseError, match="X must be a numeric array; got list"):
        net.forward([["a", "b"]])


def test_wrong_Y_shape(net):
    with pytest.raises(BPCourseError, match=r"^Y has shape \(5, 2\); expected \(2, 5\)$"):
        net.loss(np.zeros((3, 5)), np.zeros((5, 2)))
    with pytest.raises(BPCourseError, match=r"^Y has shape \(2, 4\); expected \(2, 5\) to match the other input$"):
        net.gradients(np.zeros((3, 5)), np.zeros((2, 4)))


def test_labels_where_one_hot_expected(net):
    with pytest.raises(BPCourseError) as err:
        net.loss(np.zeros((3, 5)), np.array([0, 1, 1, 0, 1]))
    assert str(err.value) == (
        "Y has shape (5,): labels, not one-hot columns; pass bp.datasets.one_hot(y, 2) of shape (2, 5)"
    )


def test_one_dimensional_binary_targets():
    binary = bp.MLP([1, 2, 1], output="sigmoid", seed=0)
    with pytest.raises(BPCourseError, match=r"^Y has shape \(4,\); expected \(1, 4\): pass Y\.reshape\(1, -1\)$"):
        binary.loss(np.zeros((1, 4)), np.zeros(4))


def test_nan_and_inf_reported(net):
    X = np.zeros((3, 4))
    X[0, 1], X[2, 0] = np.nan, np.inf
    with pytest.raises(BPCourseError) as err:
        net.forward(X)
    assert str(err.value) == (
        "X contains 2 NaN or inf value(s), the first at index (0, 1); clean or impute the data before training"
    )
    with pytest.raises(BPCourseError, match=r"Y contains 10 NaN or inf value\(s\), the first at index \(0, 0\)"):
        net.loss(np.zeros((3, 5)), np.full((2, 5), np.nan))
    with pytest.raises(BPCourseError, match="X contains 2 NaN or inf"):
        bp.train(net, X, np.zeros((2, 4)))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"hidden": "softmax"}, "unknown hidden activation 'softmax'; choose one of 'sigmoid', 'tanh', 'relu', "
         "'leaky_relu', 'elu'"),
        ({"output": "relu"}, "unknown output activation 'relu'; choose one of 'sigmoid', 'softmax', 'identity'"),
        ({"loss": "hinge"}, "unknown loss 'hinge'; choose one of 'mse', 'cross_entropy'"),
        ({"init": "kaiming"}, "unknown initializer 'kaiming'; choose one of 'zeros', 'normal', 'xavier', 'he'"),
    ],
)  # fmt: skip
def test_unknown_names_list_the_valid_ones(kwargs, message):
    with pytest.raises(BPCourseError) as err:
        bp.MLP([3, 4, 2], **kwargs)
    assert str(err.value) == message


def test_unknown_optimizer_lists_the_valid_ones():
    with pytest.raises(BPCourseError) as err:
        bp.optim.make("adamw", lr=1e-3)
    assert str(err.value) == "unknown optimizer 'adamw'; choose one of 'sgd', 'momentum', 'adagrad', 'rmsprop', 'adam'"


def test_choose_refuses_non_strings():
    with pytest.raises(BPCourseError, match="unknown activation None; choose one of 'a', 'b'"):
        errors.choose("activation", None, {"a": 1, "b": 2})


def test_one_hot_out_of_range_refused():
    with pytest.raises(BPCourseError, match=r"one_hot got label 10 but n_classes=10 allows only 0 … 9"):
        bp.datasets.one_hot(np.array([0, 10]), 10)


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "0.1", None, True])
def test_bad_learning_rate(lr):
    with pytest.raises(BPCourseError, match=r"lr must be a positive number; got .* \(try 0\.1 or 1e-3\)"):
        bp.optim.SGD(lr=lr)


def test_numpy_scalar_learning_rate_accepted():
    """lr often comes out of NumPy (an element of a float32 array, an np.int64): it is a number.

    Regression test: Optimizer.__init__ once checked isinstance(lr, (int, float)) and refused these.
    """
    assert bp.optim.SGD(lr=np.float64(0.1)).lr == 0.1
    assert bp.optim.Adam(lr=np.float32(0.25)).lr == 0.25
    assert bp.optim.SGD(lr=np.int64(1)).lr == 1.0


def test_bad_layer_sizes():
    with pytest.raises(BPCourseError, match=r"at least an input and an output width, all ≥ 1; got \[3\]"):
        bp.MLP([3])
    with pytest.raises(BPCourseError, match=r"got \[3, 0, 2\]"):
        bp.MLP([3, 0, 2])


def test_softmax_cross_entropy_needs_two_outputs():
    with pytest.raises(BPCourseError, match="needs ≥ 2 output units; for two classes use output='sigmoid'"):
        bp.MLP([3, 1], output="softmax", loss="cross_entropy")


def test_identity_output_with_cross_entropy_refused():
    """Cross-entropy needs probabilities; after an identity output A can be ≤ 0 and log A is clipped at 1e-12.

    Regression test: the pair was once accepted and gave a silently wrong loss (27.63 = −log 1e-12 for A = 0).
    """
    with pytest.raises(BPCourseError, match=r"cross_entropy needs probabilities: use output='softmax'"):
        bp.MLP([2, 1], output="identity", loss="cross_entropy")


def test_train_argument_errors(net):
    X, Y = np.zeros((3, 5)), bp.datasets.one_hot([0, 1, 0, 1, 0], 2)  # valid targets: columns sum to 1
    with pytest.raises(BPCourseError, match="optimizer must be a bp.optim optimizer .* got 'adam'"):
        bp.train(net, X, Y, optimizer="adam")
    with pytest.raises(BPCourseError, match="batch_size must be ≥ 1 or None; got 0"):
        bp.train(net, X, Y, batch_size=0)
    with pytest.raises(BPCourseError, match="on_diverge must be 'raise' or 'stop'; got 'ignore'"):
        bp.train(net, X, Y, on_diverge="ignore")
    with pytest.raises(BPCourseError, match="pass X.T"):
        bp.train(net, X, Y, X_val=np.zeros((4, 3)), Y_val=np.zeros((2, 4)))


def test_same_shape_helper():
    with pytest.raises(BPCourseError) as err:
        errors.same_shape("A", np.zeros((2, 3)), "Y", np.zeros((3, 2)))
    assert (
        str(err.value) == "A has shape (2, 3) but Y has shape (3, 2); they must match; did you transpose one of them?"
    )
    errors.same_shape("A", np.zeros((2, 3)), "Y", np.zeros((2, 3)))  # no error
