"""The published list of mistakes the checks can name: a stable id and the message a learner reads.

Every diagnosis carries one of these ids (for instructors and for measuring the checks); the
message names the mistake in plain words. Templates are marked with ``N_`` so that Babel extracts
them, and are translated when shown. ``docs/mistakes.md`` is generated from this list
(``python tools/write_mistakes.py``; a test keeps the two equal).

Chapter modules add the mistakes of their own items with ``define``.
"""

from __future__ import annotations

from ..i18n import N_, _

REGISTRY: dict[str, str] = {}


def define(mistake_id: str, template: str) -> str:
    """Add a mistake to the list and return its id; defining one id twice with other words is an error."""
    if REGISTRY.get(mistake_id, template) != template:
        raise ValueError(f"mistake id {mistake_id!r} is already defined with another message")
    REGISTRY[mistake_id] = template
    return mistake_id


def message(mistake_id: str, **fields) -> str:
    """The learner's message for ``mistake_id``, translated, with its placeholders filled in."""
    return _(REGISTRY[mistake_id]).format(**fields)


# ---- relations between an answer and the expected value (tried on every item) -------------------
SIGN = define("sign", N_("wrong sign: every value is the negative of the expected one"))
TIMES_M = define("times_m", N_("your values are m = {m} times too large: average over the batch (divide by m)"))
OVER_M = define("over_m", N_("your values are m = {m} times too small: you divided by m once too often"))
TWICE = define("twice", N_("your values are twice the expected ones: is a ½ missing, or a factor 2 too many?"))
HALF = define("half", N_("your values are half the expected ones: is there an extra ½, or a factor 2 missing?"))
ZERO = define("zero", N_("your values are all zero: is a term missing, or is the result overwritten?"))
FACTOR = define("factor", N_("your values are {k} times the expected ones: a constant factor is wrong"))
OFFSET = define(
    "offset", N_("every value is off by the same amount, {c}: a constant term is missing or added (a bias?)")
)
SQUARED = define("squared", N_("your values are the squares of the expected ones: is a square root missing?"))
ROOT = define("root", N_("your values are the square roots of the expected ones: an extra square root?"))
ABS = define("abs", N_("the sizes are right but some signs are lost: an abs() or a square too many?"))
ROUNDED = define(
    "rounded",
    N_(
        "your values are the expected ones rounded to whole numbers: integer division (//) or an integer array "
        "somewhere? Use / and float arrays"
    ),
)
EXP_OF = define("exp_of", N_("your values are e to the power of the expected ones: a log is missing"))
LOG_OF = define("log_of", N_("your values are the log of the expected ones: an extra log, or an exp missing"))
LOG_BASE = define(
    "log_base", N_("your values are a constant multiple {k} of the expected: log base 10 or 2 instead of e?")
)
RECIPROCAL = define("reciprocal", N_("your values are 1 divided by the expected ones: is a fraction upside down?"))
ONE_MINUS = define("one_minus", N_("your values are 1 minus the expected ones: the complement, p instead of 1 − p?"))
ROWS_PERMUTED = define("rows_permuted", N_("the right rows in the wrong order: {how}"))
COLS_PERMUTED = define("cols_permuted", N_("the right columns in the wrong order: {how}"))
SHIFTED = define(
    "shifted",
    N_("the {what} sit one place off ({k}): an index off by one, such as a label + 1 or a range that starts at 1?"),
)
PERMUTED = define("permuted", N_("the right values in the wrong places: check which index is which"))
TRANSPOSED = define(
    "transposed", N_("your values are the transpose of the expected ones: swap the indices, or drop a .T")
)
LAG_BEHIND = define(
    "lag_behind",
    N_(
        "step {t} gives what step {t_prev} should: the update uses a value from one step earlier "
        "(the old state, or t off by one)"
    ),
)
LAG_AHEAD = define("lag_ahead", N_("step {t} gives what step {t_next} should: one step ahead (is t one too large?)"))
SWAPPED = define("swapped", N_("{a} and {b} are swapped: return them in the order {order}"))
PARTLY = define("partly", N_("right except at {where}: look at what is special there ({special})"))
FUNCTION_OF_INPUT = define(
    "function_of_input",
    N_("your values are exactly {what}: a formula of its own, not the one the task asks for; compare the two"),
)
CACHED = define(
    "cached",
    N_(
        "your function gave the answer of an earlier input when called again on new numbers of the same shape: "
        "compute the result from the arguments every time, do not store or hard-code it"
    ),
)
HARD_CODED_KEYS = define(
    "hard_coded_keys",
    N_(
        "it works for the keys {expected_keys} but not for {keys}: loop over the dict (`for name in params`) "
        "instead of naming W1, b1, ... one by one"
    ),
)
UNSTABLE = define(
    "unstable",
    N_(
        "{what} overflows for inputs such as ±1000 (NumPy warned: {warning}); the task asks for a numerically "
        "stable form: {stable}"
    ),
)
SAME_OBJECT = define(
    "same_object", N_("{label} is the very object you were given: return a new one (copy it, or build a new dict)")
)
EARLIER = define(
    "earlier_answer",
    N_(
        "{label} is what the formula gives with your {name}, and your {name} is wrong: fix {name} first "
        "(rerun its check), then rerun this one"
    ),
)
WRONG_DTYPE = define("wrong_dtype", N_("{label} has dtype {got}; the task asks for {expected}"))

# ---- concept questions ---------------------------------------------------------------------------------
ANSWER_SIGN = define("answer_sign", N_("{got} has the right size but the wrong sign: which way does the step go?"))
ANSWER_TWICE = define("answer_twice", N_("{got} is twice the right value: a factor 2 counted twice, or a ½ forgotten?"))
ANSWER_HALF = define("answer_half", N_("{got} is half the right value: a forgotten factor 2?"))
LISTED_ANSWER = define("listed_answer", N_("{got} is not right: {hint}"))
WRONG_ANSWER = define("wrong_answer", N_("{got} is not right: redo the calculation step by step"))
WRONG_CHOICE = define("wrong_choice", N_("{letter!r} is not the right choice: {hint}"))
CHOICE = define("choice", N_("return one letter among {letters}; got {got!r}"))

# ---- calling the learner's code -----------------------------------------------------------------------
NOT_A_FUNCTION = define("not_a_function", N_("{name} should be a function; got {what}. Run the cell that defines it"))
TIME_LIMIT = define(
    "time_limit",
    N_(
        "{name} did not finish within {limit} s and was stopped: is there an endless loop "
        "(a while loop whose condition never becomes false)?"
    ),
)
RECURSION = define("recursion", N_("{name} called itself endlessly (RecursionError): does it call itself by mistake?"))
LIBRARY_ANSWER = define(
    "library_answer",
    N_(
        "{how}: that is the library's own version of what this item asks you to write. Write it yourself "
        "with NumPy: the item earns 0 points while any cell you wrote uses it (scratch cells too; the kernel "
        "remembers a deleted cell until you restart it)"
    ),
)
NOT_RUN = define(
    "not_run",
    N_("the grader could not evaluate your {name}: {why}"),
)
RAISED = define("raised", N_("{name} raised {error}: {detail}"))
CHANGED_INPUT = define("changed_input", N_("your function changed its input {arg!r} in place; {hint}"))
FAILS_GRADCHECK = define(
    "fails_gradient_check",
    N_(
        "{label} fails the gradient check (relative error {err} against finite differences): "
        "it is not the derivative of the loss"
    ),
)

# ---- what came back is not what was asked for ------------------------------------------------------
NONE = define("none", N_("{label} is None: did you forget the `return` statement?"))
NOT_ARRAY = define("not_array", N_("{label} should be a NumPy array of numbers; got {what}"))
RAGGED = define(
    "ragged",
    N_(
        "{label} is a list whose items have different shapes or types ({what}), so it is not one array: "
        "did you append a tuple or a list (for example the pair (loss, gradient) where the loss alone was meant)?"
    ),
)
GENERATOR = define(
    "generator",
    N_("{label} is a generator: (… for …) makes one; return a list [… for …] or an array instead"),
)
TOO_BIG = define("too_big", N_("{label} has {size} entries; a result of shape {shape} was expected"))
SHAPE = define("shape", N_("expected {label} of shape {expected}, got {got}{hint}"))
NOT_FINITE = define(
    "not_finite",
    N_(
        "{label} holds {count} NaN or inf value(s), the first at index {index}: an overflow in exp, a log of 0, "
        "or a division by 0?"
    ),
)
NOT_NUMBER = define("not_number", N_("{label} should be one number; got {what} (sum or average it?)"))
NOT_TUPLE = define("not_tuple", N_("{label} should be a tuple of {n} values; got {what}"))
NOT_DICT = define("not_dict", N_("{label} should be a dict with keys {keys}; got {what}"))
MISSING_KEYS = define("missing_keys", N_("{label} lacks the key(s) {keys}"))
EXTRA_KEYS = define("extra_keys", N_("{label} has unexpected key(s) {keys}; expected exactly {expected}"))
DIFFERS = define(
    "differs", N_("{label} differs from the expected values: at index {index} you have {got}, expected {expected}")
)


def markdown() -> str:
    """docs/mistakes.md: one line per id with its message."""
    lines = [
        "# Mistakes the checks name",
        "",
        "Generated by `python tools/write_mistakes.py` from `bpcourse/check/`; do not edit by hand.",
        "Each diagnosis in the feedback carries one of these ids; `{…}` are filled in per case.",
        "",
        "| id | message |",
        "|---|---|",
    ]
    for mistake_id in sorted(REGISTRY):
        text = REGISTRY[mistake_id].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{mistake_id}` | {text} |")
    return "\n".join(lines) + "\n"
