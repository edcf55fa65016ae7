"""What MLeap 0.20's JVM ``BundleBuilder.load`` requires of a JSON bundle, op by op.

sagemaker-sparkml-serving runs MLeap 0.20.0. A bundle that our runtime serves but the JVM refuses
is not a drop-in bundle, so this module records, for every op MLeap 0.20 registers (the 64
classes in ``mleap-runtime/src/main/resources/reference.conf``), what its ``load()`` reads:

* attributes: the name, and the JSON form the Scala getter reads (``Value.getDouble`` reads the
  ``double`` key of a scalar object, ``getDoubleList`` the ``double`` array of a ``"type": "list"``
  object, ``getTensor`` a ``"type": "tensor"`` object with a base-type array and ``shape``);
  whether ``model.value`` (required) or ``model.getValue`` (optional) reads it; allowed strings;
* ports: the port names the core model's ``inputSchema``/``outputSchema`` use; the runtime's
  ``Transformer.inputSchema`` calls ``shape.input(port)`` for every input (a missing one fails
  the load), ``SimpleTransformer`` needs its single output, ``MultiTransformer`` keeps whichever
  of its outputs exist;
* files: ``tree.json`` grammar for tree models, sub-model directories of ensembles;
* op-specific constraints (``checks``), e.g. ``labels_length`` must be 1 for a StringIndexer.

``OWN_OPS`` lists this project's own ops (``inference_pipeline.*``), written on purpose for Spark
models MLeap cannot represent: the JVM refuses them at load, and the checker reports each naming
the op and the field MLeap lacks (an ``offset`` port, a ``power`` link, ``distance_measure``).

Each rule cites the Scala file it comes from (paths in github.com/combust/mleap at tag v0.20.0).
``check_bundle`` (in ``jvm_check``) applies the rules; the JSON encoding it expects is exactly
what ``attributes.py`` writes: ``{"double": 1.5}``, ``{"type": "list", "double": [...]}``,
``{"type": "tensor", "double": [...], "shape": {"dimensions": [{"size": 3, "name": ""}]}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from inference_pipeline.mleap.jvm_check import Problem

MLEAP_JVM_VERSION = "0.20.0"
OPS_DIR = "mleap-runtime/src/main/scala/ml/combust/mleap/bundle/ops/"
CORE_DIR = "mleap-core/src/main/scala/ml/combust/mleap/core/"
REGISTRY_SOURCE = "mleap-runtime/src/main/resources/reference.conf"
JSON_SUPPORT = "bundle-ml/src/main/scala/ml/combust/bundle/json/JsonSupport.scala"
VALUE_SOURCE = "bundle-ml/src/main/scala/ml/combust/bundle/dsl/Value.scala"
BUNDLE_FILE_SOURCE = "bundle-ml/src/main/scala/ml/combust/bundle/BundleFile.scala"
BUNDLE_INFO_SOURCE = "bundle-ml/src/main/scala/ml/combust/bundle/dsl/Bundle.scala"
NODE_SERIALIZER = "bundle-ml/src/main/scala/ml/combust/bundle/serializer/NodeSerializer.scala"
TRANSFORMER_SOURCE = "mleap-runtime/src/main/scala/ml/combust/mleap/runtime/frame/Transformer.scala"
TREE_JSON_SOURCE = "bundle-ml/src/main/scala/ml/combust/bundle/tree/JsonSupport.scala"
TREE_SERIALIZER = "bundle-ml/src/main/scala/ml/combust/bundle/tree/decision/TreeSerializer.scala"
CLUSTER_TREE_SERIALIZER = "bundle-ml/src/main/scala/ml/combust/bundle/tree/cluster/NodeSerializer.scala"
# spray-json 1.3.2 (MLeap 0.20's version): JsonParser has no NaN/Infinity tokens; DoubleJsonFormat
# reads null as NaN and a number through BigDecimal.doubleValue (so 1.0E309 reads as +Infinity).
SPRAY_JSON = "spray-json v1.3.2 src/main/scala/spray/json/BasicFormats.scala, JsonParser.scala"

Container = Literal["scalar", "list", "tensor"]
# Base types, in the order JsonSupport's tensor reader tries them.
TENSOR_BASES = ("boolean", "byte", "short", "int", "long", "float", "double", "byte_string", "string")
BASIC_TYPE_NAMES = ("boolean", "byte", "short", "int", "long", "float", "double", "string", "byte_string",
                    "unknown")


@dataclass(frozen=True)
class ValueType:
    """The JSON form one ``Value`` getter reads.

    ``base`` is the JSON key: a basic type (``double``, ``long``, ``int``, ``string``, ``boolean``),
    or ``data_shape`` / ``basic_type`` / ``tensor`` (a list of tensors). ``getInt``/``getShort``/
    ``getByte`` all read the ``int`` key. ``dims`` is the tensor rank the reader indexes
    (``tensor.dimensions(1)`` for matrices).
    """

    container: Container
    base: str
    dims: int = 1
    tensor_base: str = "double"  # for a list of tensors

    def describe(self) -> str:
        if self.container == "scalar":
            return f'{{"{self.base}": …}}'
        if self.container == "list":
            return f'{{"type": "list", "{self.base}": […]}}'
        return f'{{"type": "tensor", "{self.base}": […], "shape": {{"dimensions": [{self.dims} × {{"size", "name"}}]}}}}'


def scalar(base: str) -> ValueType:
    return ValueType("scalar", base)


def list_of(base: str, tensor_base: str = "double", dims: int = 1) -> ValueType:
    return ValueType("list", base, dims=dims, tensor_base=tensor_base)


def tensor(base: str = "double", dims: int = 1) -> ValueType:
    return ValueType("tensor", base, dims=dims)


DOUBLE, LONG, INT, STRING, BOOLEAN = (scalar(b) for b in ("double", "long", "int", "string", "boolean"))
DATA_SHAPE, BASIC_TYPE = scalar("data_shape"), scalar("basic_type")
DOUBLES, LONGS, INTS, STRINGS, BOOLEANS = (list_of(b) for b in ("double", "long", "int", "string", "boolean"))
VECTOR, MATRIX = tensor("double"), tensor("double", dims=2)


@dataclass(frozen=True)
class Attr:
    """One attribute ``load()`` reads: ``model.value`` (required) or ``model.getValue`` (optional)."""

    name: str
    type: ValueType
    required: bool = True
    choices: tuple[str, ...] = ()  # allowed values of a string attribute
    source: str = ""  # defaults to the op's source


@dataclass(frozen=True)
class Ports:
    """Port names a node needs.

    ``fixed`` ports are always needed. ``indexed_by`` names an attribute whose list length (or
    int value) N means ports ``prefix0 .. prefix{N-1}`` are needed (VectorAssembler's
    ``input_shapes``). With ``any_of`` the ports are optional but at least one must exist
    (MultiTransformer outputs). ``allowed`` lists further accepted names; any other port is
    ignored by MLeap, so its column would never be produced or read.
    """

    fixed: tuple[str, ...] = ()
    indexed_by: str | None = None
    prefix: str = "input"
    any_of: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    allow_indexed: bool = False  # prefix0, prefix1, ... are accepted (a check decides which are needed)

    @property
    def unconstrained(self) -> bool:
        return not (self.fixed or self.indexed_by or self.any_of or self.allowed or self.allow_indexed)


@dataclass(frozen=True)
class Check:
    """An op-specific rule: ``run(node)`` returns (field, message) pairs, empty when it holds."""

    description: str
    run: Callable[[NodeFacts], list[tuple[str, str]]]
    source: str = ""


@dataclass(frozen=True)
class NodeFacts:
    """What a check sees: the node's raw model.json attributes, its ports and its files."""

    name: str
    op: str
    attributes: Mapping[str, Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    has_file: Callable[[str], bool]

    def scalar(self, key: str, base: str, default: Any = None) -> Any:
        raw = self.attributes.get(key)
        if not isinstance(raw, dict) or "type" in raw:
            return default
        return raw.get(base, default)

    def list_len(self, key: str, base: str) -> int | None:
        raw = self.attributes.get(key)
        if not isinstance(raw, dict) or raw.get("type") != "list":
            return None
        values = raw.get(base)
        return len(values) if isinstance(values, list) else 0

    def string_list(self, key: str) -> list[str]:
        raw = self.attributes.get(key)
        values = raw.get("string") if isinstance(raw, dict) else None
        return [str(v) for v in values] if isinstance(values, list) else []


@dataclass(frozen=True)
class OpRule:
    op: str
    source: str
    attributes: tuple[Attr, ...] = ()
    inputs: Ports = field(default_factory=Ports)
    outputs: Ports = field(default_factory=Ports)
    files: tuple[str, ...] = ()  # files next to model.json (tree.json)
    tree: Literal["decision", "cluster", None] = None  # tree.json grammar
    sub_models: str | None = None  # attribute listing sub-model directories ("trees")
    sub_model_ops: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    core: str = ""  # mleap-core model whose schema gives the port names

    def attr_source(self, attr: Attr) -> str:
        return attr.source or self.source


# ----------------------------------------------------------------------------- op-specific checks


def _thresholds_match_classes(node: NodeFacts) -> list[tuple[str, str]]:
    n = node.list_len("thresholds", "double")
    classes = node.scalar("num_classes", "long")
    if n is None or classes is None:
        return []
    if n != int(classes):
        return [("thresholds", f"has {n} entries but num_classes is {classes} (the loader's require fails)")]
    return []


def _binary_only(node: NodeFacts) -> list[tuple[str, str]]:
    classes = node.scalar("num_classes", "long")
    if classes is not None and int(classes) != 2:
        return [("num_classes", f"is {classes}; MLeap 0.20 only loads binary models of this op")]
    return []


def _gbt_loss(node: NodeFacts) -> list[tuple[str, str]]:
    loss = node.scalar("lossType", "string")
    if "lossType" in node.attributes and loss not in (None, "logistic"):
        return [("lossType", f"is {loss!r}; MLeap only supports 'logistic'")]
    return []


def _logistic_regression(node: NodeFacts) -> list[tuple[str, str]]:
    classes = node.scalar("num_classes", "long", 0)
    wanted = ("coefficient_matrix", "intercept_vector") if int(classes or 0) > 2 else ("coefficients", "intercept")
    return [(key, f"is required when num_classes is {classes}") for key in wanted if key not in node.attributes]


def _string_indexer(node: NodeFacts) -> list[tuple[str, str]]:
    if "labels_length" not in node.attributes:
        return [] if "labels" in node.attributes else [("labels", "is required when labels_length is absent")]
    length = node.scalar("labels_length", "int", 0)
    if length != 1:
        return [("labels_length", f"is {length}; MLeap 0.20 refuses it (\"Multi-input StringIndexer not "
                                  "supported yet\"): write one string_indexer node per column")]
    return [] if "labels_array_0" in node.attributes else [("labels_array_0", "is required when labels_length is 1")]


def _binarizer(node: NodeFacts) -> list[tuple[str, str]]:
    has_one, has_many = "threshold" in node.attributes, "thresholds" in node.attributes
    if has_many:
        return [("thresholds", "MLeap 0.20 refuses a multi-column Binarizer (\"not supported yet\"): "
                               "write one binarizer node per column with threshold")]
    if not has_one:
        return [("threshold", "is required (\"Neither threshold nor thresholds were found\")")]
    return [] if "input_shapes" in node.attributes else [("input_shapes", "is required with threshold")]


def _one_hot_encoder(node: NodeFacts) -> list[tuple[str, str]]:
    if "size" in node.attributes:  # the Spark 2 form
        return []
    problems = [(key, "is required (the Spark 3 form; legacy bundles have size instead)")
                for key in ("category_sizes", "handle_invalid") if key not in node.attributes]
    handle = node.scalar("handle_invalid", "string")
    if handle is not None and handle not in ("error", "keep"):
        problems.append(("handle_invalid", f"is {handle!r}; the reader accepts only error or keep"))
    return problems


def _one_hot_ports(node: NodeFacts) -> list[tuple[str, str]]:
    if "input" in node.inputs:  # legacy shape: translateLegacyShape renames input/output to input0/output0
        n = node.list_len("category_sizes", "int")
        if "output" not in node.outputs:
            return [("output", "port is required with the legacy 'input' port")]
        if n not in (None, 1):
            return [("input", f"a single legacy port but {n} category_sizes")]
        return []
    n = node.list_len("category_sizes", "int") or (1 if "size" in node.attributes else 0)
    problems = [(f"input{i}", "port is missing") for i in range(n) if f"input{i}" not in node.inputs]
    problems += [(f"output{i}", "port is missing") for i in range(n) if f"output{i}" not in node.outputs]
    return problems


def _math_binary_ports(node: NodeFacts) -> list[tuple[str, str]]:
    wanted = [port for port, constant in (("input_a", "da"), ("input_b", "db")) if constant not in node.attributes]
    return [(port, "port is required (no constant for it)") for port in wanted if port not in node.inputs]


def _interaction_features(node: NodeFacts) -> list[tuple[str, str]]:
    n = node.scalar("num_inputs", "int", 0) or 0
    return [(f"num_features{i}", "is required ({list int})") for i in range(int(n))
            if f"num_features{i}" not in node.attributes]


def _vector_indexer_keys(node: NodeFacts) -> list[tuple[str, str]]:
    raw = node.attributes.get("keys")
    keys = raw.get("long") if isinstance(raw, dict) else None
    if not isinstance(keys, list):
        return []  # a missing or mistyped keys attribute is reported by the attribute rule
    return [(f"key_{k}_{part}", "is required for each entry of keys") for k in keys
            for part in ("keys", "values") if f"key_{k}_{part}" not in node.attributes]


def _one_vs_rest_models(node: NodeFacts) -> list[tuple[str, str]]:
    n = int(node.scalar("num_classes", "long", 0) or 0)
    return [(f"model{i}", "sub-model directory (model.json) is missing") for i in range(n)
            if not node.has_file(f"model{i}/model.json")]


def _drilldown_models(node: NodeFacts) -> list[tuple[str, str]]:
    return [(f"model{i}", "sub-model directory (model.json) is missing")
            for i in range(len(node.string_list("labels"))) if not node.has_file(f"model{i}/model.json")]


def _map_entry_selector(node: NodeFacts) -> list[tuple[str, str]]:
    key_type = node.scalar("key_type", "basic_type")
    if key_type is not None and key_type != "string":
        return [("key_type", f"is {key_type!r}; MLeap 0.20 only loads string keys")]
    return []


def _word_to_vector(node: NodeFacts) -> list[tuple[str, str]]:
    raw = node.attributes.get("word_vectors")
    if not isinstance(raw, dict) or raw.get("type") not in ("list", "tensor"):
        return [("word_vectors", "must be a {list double} or a {tensor double}")]
    return []


def _c(description: str, run: Callable[[NodeFacts], list[tuple[str, str]]]) -> Check:
    return Check(description, run)


THRESHOLDS = _c("thresholds, when present, has num_classes entries", _thresholds_match_classes)
BINARY = _c("num_classes is 2", _binary_only)

# ----------------------------------------------------------------------------- ports

SINGLE_IO = (Ports(fixed=("input",)), Ports(fixed=("output",)))
FEATURES = Ports(fixed=("features",))
PREDICTION = Ports(fixed=("prediction",))
CLASSIFIER_OUTPUTS = Ports(any_of=("raw_prediction", "probability", "prediction"))
HANDLE_INVALID = ("error", "skip", "keep")
HANDLE_INVALID_NO_SKIP = ("error", "keep")
UNARY_OPERATIONS = ("log", "exp", "sqrt", "sin", "cos", "tan", "abs", "logit")
BINARY_OPERATIONS = ("add", "sub", "mul", "div", "rem", "log_n", "pow", "min", "max")
GLR_FAMILIES = ("gaussian", "binomial", "poisson", "gamma")
GLR_LINKS = ("identity", "logit", "log", "inverse", "probit", "cloglog", "sqrt")


def _rule(op: str, path: str, attributes: tuple[Attr, ...] = (), ports: tuple[Ports, Ports] = SINGLE_IO,
          **extra: Any) -> OpRule:
    return OpRule(op, OPS_DIR + path, attributes, ports[0], ports[1], **extra)


def _tree_ensemble(op: str, path: str, member: str, classifier: bool, *more: Attr,
                   checks: tuple[Check, ...] = ()) -> OpRule:
    attrs = (Attr("num_features", LONG), *((Attr("num_classes", LONG),) if classifier else ()),
             Attr("tree_weights", DOUBLES), Attr("trees", STRINGS), *more)
    outputs = CLASSIFIER_OUTPUTS if classifier else PREDICTION
    return _rule(op, path, attrs, (FEATURES, outputs), sub_models="trees", sub_model_ops=(member,), checks=checks)


_RULES: tuple[OpRule, ...] = (
    # --- classification
    _rule("decision_tree_classifier", "classification/DecisionTreeClassifierOp.scala",
          (Attr("num_features", LONG), Attr("num_classes", LONG), Attr("thresholds", DOUBLES, False)),
          (FEATURES, CLASSIFIER_OUTPUTS), files=("tree.json",), tree="decision", checks=(THRESHOLDS,)),
    _tree_ensemble("gbt_classifier", "classification/GBTClassifierOp.scala", "decision_tree_regression", True,
                   Attr("thresholds", DOUBLES, False), Attr("lossType", STRING, False, ("logistic",)),
                   checks=(BINARY, THRESHOLDS, _c("lossType, when present, is logistic", _gbt_loss))),
    _rule("logistic_regression", "classification/LogisticRegressionOp.scala",
          (Attr("num_classes", LONG), Attr("coefficient_matrix", MATRIX, False),
           Attr("intercept_vector", VECTOR, False), Attr("thresholds", DOUBLES, False),
           Attr("coefficients", VECTOR, False), Attr("intercept", DOUBLE, False), Attr("threshold", DOUBLE, False)),
          (FEATURES, CLASSIFIER_OUTPUTS),
          checks=(_c("multinomial (num_classes > 2) needs coefficient_matrix + intercept_vector, binary "
                     "needs coefficients + intercept", _logistic_regression),)),
    _rule("naive_bayes", "classification/NaiveBayesClassifierOp.scala",
          (Attr("num_features", LONG), Attr("num_classes", LONG), Attr("pi", VECTOR), Attr("theta", MATRIX),
           Attr("model_type", STRING, choices=("bernoulli", "multinomial"),
                source=CORE_DIR + "classification/NaiveBayesModel.scala"),
           Attr("thresholds", DOUBLES, False)),
          (FEATURES, CLASSIFIER_OUTPUTS), checks=(THRESHOLDS,)),
    _rule("multi_layer_perceptron_classifier", "classification/MultiLayerPerceptronClassifierOp.scala",
          (Attr("layers", LONGS), Attr("weights", VECTOR), Attr("thresholds", DOUBLES, False)),
          (FEATURES, CLASSIFIER_OUTPUTS)),
    _rule("one_vs_rest", "classification/OneVsRestOp.scala", (Attr("num_classes", LONG), Attr("num_features", LONG)),
          (FEATURES, CLASSIFIER_OUTPUTS), checks=(_c("sub-models model0..model{num_classes-1}", _one_vs_rest_models),)),
    _tree_ensemble("random_forest_classifier", "classification/RandomForestClassifierOp.scala",
                   "decision_tree_classifier", True, Attr("thresholds", DOUBLES, False), checks=(THRESHOLDS,)),
    _rule("support_vector_machine", "classification/SupportVectorMachineOp.scala",
          (Attr("coefficients", VECTOR), Attr("intercept", DOUBLE), Attr("num_classes", LONG),
           Attr("thresholds", DOUBLES, False)), (FEATURES, CLASSIFIER_OUTPUTS), checks=(BINARY,)),
    _rule("linear_svc", "classification/LinearSVCOp.scala",
          (Attr("num_classes", LONG), Attr("coefficients", VECTOR), Attr("intercept", DOUBLE),
           Attr("threshold", DOUBLE)),
          (FEATURES, Ports(any_of=("raw_prediction", "prediction"))), checks=(BINARY,)),
    # --- clustering
    _rule("gaussian_mixture", "clustering/GaussianMixtureOp.scala",
          (Attr("means", list_of("tensor")), Attr("covs", list_of("tensor", dims=2)), Attr("weights", DOUBLES)),
          (FEATURES, Ports(any_of=("prediction", "probability")))),
    _rule("k_means", "clustering/KMeansOp.scala",
          (Attr("cluster_centers", list_of("tensor")), Attr("num_features", LONG)), (FEATURES, PREDICTION)),
    _rule("bisecting_k_means", "clustering/BisectingKMeansOp.scala", (), (FEATURES, PREDICTION),
          files=("tree.json",), tree="cluster"),
    _rule("lda_local_model_op", "clustering/LDAModelOp.scala",
          (Attr("topicMatrix", MATRIX), Attr("docConcentration", DOUBLES), Attr("topicConcentration", DOUBLE)),
          (FEATURES, PREDICTION)),
    # --- features
    _rule("binarizer", "feature/BinarizerOp.scala",
          (Attr("threshold", DOUBLE, False), Attr("thresholds", DOUBLES, False), Attr("input_shapes", DATA_SHAPE, False)),
          checks=(_c("exactly one threshold (thresholds is refused) and input_shapes", _binarizer),)),
    _rule("sklearn_binarizer", "sklearn/BinarizerOp.scala",
          (Attr("threshold", DOUBLE), Attr("input_shapes", list_of("data_shape")))),
    _rule("bucketed_random_projection_lsh", "feature/BucketedRandomProjectionLSHOp.scala",
          (Attr("random_unit_vectors", list_of("tensor")), Attr("bucket_length", DOUBLE), Attr("input_size", INT))),
    _rule("bucketizer", "feature/BucketizerOp.scala",
          (Attr("splits", DOUBLES), Attr("handle_invalid", STRING, False, HANDLE_INVALID))),
    _rule("chi_sq_selector", "feature/ChiSqSelectorOp.scala", (Attr("filter_indices", LONGS), Attr("input_size", INT))),
    _rule("coalesce", "feature/CoalesceOp.scala", (Attr("nullable_inputs", BOOLEANS),),
          (Ports(indexed_by="nullable_inputs"), Ports(fixed=("output",)))),
    _rule("count_vectorizer", "feature/CountVectorizerOp.scala",
          (Attr("vocabulary", STRINGS), Attr("binary", BOOLEAN), Attr("min_tf", DOUBLE))),
    _rule("dct", "feature/DCTOp.scala", (Attr("inverse", BOOLEAN), Attr("input_size", INT))),
    _rule("elementwise_product", "feature/ElementwiseProductOp.scala", (Attr("scaling_vec", VECTOR),)),
    _rule("feature_hasher", "feature/FeatureHasherOp.scala",
          (Attr("input_shapes", list_of("data_shape")), Attr("basic_types", list_of("basic_type")),
           Attr("num_features", LONG), Attr("categorical_cols", STRINGS), Attr("input_names", STRINGS)),
          (Ports(indexed_by="input_shapes"), Ports(fixed=("output",)))),
    _rule("hashing_term_frequency", "feature/HashingTermFrequencyOp.scala",
          (Attr("num_features", LONG), Attr("binary", BOOLEAN, False), Attr("hashUnsafeBytesVersion", INT, False))),
    _rule("idf", "feature/IDFOp.scala", (Attr("idf", VECTOR),)),
    _rule("imputer", "feature/ImputerOp.scala",
          (Attr("surrogate_value", DOUBLE), Attr("missing_value", DOUBLE, False), Attr("nullable_input", BOOLEAN, False))),
    _rule("interaction", "feature/InteractionOp.scala",
          (Attr("num_inputs", INT), Attr("input_shapes", list_of("data_shape"))),
          (Ports(indexed_by="input_shapes"), Ports(fixed=("output",))),
          checks=(_c("num_features{i} {list int} for each input", _interaction_features),)),
    _rule("map_entry_selector", "feature/MapEntrySelectorOp.scala",
          (Attr("key_type", BASIC_TYPE), Attr("value_type", BASIC_TYPE), Attr("default_value", scalar("any"))),
          (Ports(fixed=("input", "key")), Ports(fixed=("output",))),
          checks=(_c("key_type is string", _map_entry_selector),)),
    _rule("math_binary", "feature/MathBinaryOp.scala",
          (Attr("operation", STRING, choices=BINARY_OPERATIONS, source=CORE_DIR + "feature/MathBinaryModel.scala"),
           Attr("da", DOUBLE, False), Attr("db", DOUBLE, False)),
          (Ports(allowed=("input_a", "input_b")), Ports(fixed=("output",))),
          checks=(_c("input_a / input_b ports unless da / db are given", _math_binary_ports),)),
    _rule("math_unary", "feature/MathUnaryOp.scala",
          (Attr("operation", STRING, choices=UNARY_OPERATIONS, source=CORE_DIR + "feature/MathUnaryModel.scala"),)),
    _rule("max_abs_scaler", "feature/MaxAbsScalerOp.scala", (Attr("maxAbs", VECTOR),)),
    _rule("min_hash_lsh", "feature/MinHashLSHOp.scala",
          (Attr("random_coefficients_a", LONGS), Attr("random_coefficients_b", LONGS), Attr("input_size", INT))),
    _rule("min_max_scaler", "feature/MinMaxScalerOp.scala",
          (Attr("min", VECTOR), Attr("max", VECTOR), Attr("minValue", DOUBLE, False), Attr("maxValue", DOUBLE, False))),
    _rule("multinomial_labeler", "feature/MultinomialLabelerOp.scala",
          (Attr("threshold", DOUBLE), Attr("labels", STRINGS)),
          (FEATURES, Ports(any_of=("probabilities", "labels")))),
    _rule("ngram", "feature/NGramOp.scala", (Attr("n", LONG),)),
    _rule("normalizer", "feature/NormalizerOp.scala", (Attr("p_norm", DOUBLE), Attr("input_size", INT))),
    _rule("one_hot_encoder", "feature/OneHotEncoderOp.scala",
          (Attr("drop_last", BOOLEAN), Attr("size", LONG, False), Attr("category_sizes", INTS, False),
           Attr("handle_invalid", STRING, False)),
          (Ports(allowed=("input",), allow_indexed=True), Ports(allowed=("output",), prefix="output", allow_indexed=True)),
          checks=(_c("category_sizes + handle_invalid (error|keep), or the legacy size", _one_hot_encoder),
                  _c("ports input0..N-1/output0..N-1 (N = len(category_sizes)) or legacy input/output",
                     _one_hot_ports))),
    _rule("pca", "feature/PcaOp.scala", (Attr("principal_components", MATRIX),)),
    _rule("polynomial_expansion", "feature/PolynomialExpansionOp.scala", (Attr("degree", LONG), Attr("input_size", LONG))),
    _rule("sklearn_polynomial_expansion", "sklearn/PolynomialFeaturesOp.scala", (Attr("combinations", STRING),)),
    _rule("reverse_string_indexer", "feature/ReverseStringIndexerOp.scala",
          (Attr("labels", STRINGS), Attr("input_shape", DATA_SHAPE, False))),
    _rule("standard_scaler", "feature/StandardScalerOp.scala", (Attr("mean", VECTOR, False), Attr("std", VECTOR, False))),
    _rule("stopwords_remover", "feature/StopWordsRemoverOp.scala",
          (Attr("stop_words", STRINGS), Attr("case_sensitive", BOOLEAN))),
    _rule("string_indexer", "feature/StringIndexerOp.scala",
          (Attr("handle_invalid", STRING, False, HANDLE_INVALID), Attr("labels_length", INT, False),
           Attr("labels_array_0", STRINGS, False), Attr("labels", STRINGS, False)),
          checks=(_c("labels_length absent (then labels) or 1 (then labels_array_0)", _string_indexer),)),
    _rule("string_map", "feature/StringMapOp.scala",
          (Attr("labels", STRINGS), Attr("values", DOUBLES), Attr("handle_invalid", STRING, False, HANDLE_INVALID_NO_SKIP),
           Attr("default_value", DOUBLE, False))),
    _rule("tokenizer", "feature/TokenizerOp.scala"),
    _rule("vector_assembler", "feature/VectorAssemblerOp.scala", (Attr("input_shapes", list_of("data_shape")),),
          (Ports(indexed_by="input_shapes"), Ports(fixed=("output",)))),
    _rule("vector_indexer", "feature/VectorIndexerOp.scala",
          (Attr("keys", LONGS), Attr("handle_invalid", STRING, False, HANDLE_INVALID), Attr("num_features", LONG)),
          checks=(_c("key_{k}_keys {list double} and key_{k}_values {list long} per key", _vector_indexer_keys),)),
    _rule("vector_slicer", "feature/VectorSlicerOp.scala",
          (Attr("names", STRINGS), Attr("named_indices", INTS), Attr("indices", LONGS), Attr("input_size", INT))),
    _rule("word_to_vector", "feature/WordToVectorOp.scala",
          (Attr("words", STRINGS), Attr("indices", LONGS, False), Attr("word_vectors", scalar("any")),
           Attr("kernel", STRING, False, ("default", "sqrt"))),
          checks=(_c("word_vectors is a {list double} or {tensor double}", _word_to_vector),)),
    _rule("regex_tokenizer", "feature/RegexTokenizerOp.scala",
          (Attr("regex", STRING), Attr("match_gaps", BOOLEAN), Attr("token_min_length", INT),
           Attr("lowercase_text", BOOLEAN))),
    _rule("regex_indexer", "feature/RegexIndexerOp.scala",
          (Attr("regexes", STRINGS), Attr("indices", INTS), Attr("default_value", INT, False))),
    _rule("word_filter", "feature/WordLengthFilterOp.scala", (Attr("length", INT),)),
    # --- regression
    _rule("aft_survival_regression", "regression/AFTSurvivalRegressionOp.scala",
          (Attr("coefficients", VECTOR), Attr("intercept", DOUBLE), Attr("quantile_probabilities", DOUBLES),
           Attr("scale", DOUBLE)), (FEATURES, Ports(any_of=("prediction", "quantiles")))),
    _rule("decision_tree_regression", "regression/DecisionTreeRegressionOp.scala", (Attr("num_features", LONG),),
          (FEATURES, PREDICTION), files=("tree.json",), tree="decision"),
    _tree_ensemble("gbt_regression", "regression/GBTRegressionOp.scala", "decision_tree_regression", False),
    _rule("generalized_linear_regression", "regression/GeneralizedLinearRegressionOp.scala",
          (Attr("family", STRING, choices=GLR_FAMILIES,
                source=CORE_DIR + "regression/GeneralizedLinearRegressionModel.scala"),
           Attr("link", STRING, False, GLR_LINKS, source=CORE_DIR + "regression/GeneralizedLinearRegressionModel.scala"),
           Attr("coefficients", VECTOR), Attr("intercept", DOUBLE)),
          (FEATURES, Ports(any_of=("prediction", "link_prediction")))),
    _rule("isotonic_regression", "regression/IsotonicRegressionOp.scala",
          (Attr("boundaries", DOUBLES), Attr("predictions", DOUBLES), Attr("isotonic", BOOLEAN),
           Attr("feature_index", LONG, False)), (FEATURES, PREDICTION)),
    _rule("linear_regression", "regression/LinearRegressionOp.scala",
          (Attr("coefficients", VECTOR), Attr("intercept", DOUBLE)), (FEATURES, PREDICTION)),
    _tree_ensemble("random_forest_regression", "regression/RandomForestRegressionOp.scala",
                   "decision_tree_regression", False),
    # --- other
    _rule("categorical_drilldown", "ensemble/CategoricalDrilldownOp.scala", (Attr("labels", STRINGS),),
          (Ports(fixed=("label",), allowed=("features",)), Ports()),
          checks=(_c("sub-models model0..model{len(labels)-1}", _drilldown_models),)),
    _rule("als", "recommendation/ALSOp.scala",
          (Attr("users", INTS), Attr("user_factors", list_of("tensor", "float")), Attr("items", INTS),
           Attr("item_factors", list_of("tensor", "float")), Attr("rank", INT)),
          (Ports(fixed=("user", "item")), PREDICTION)),
    _rule("pipeline", "PipelineOp.scala", (Attr("nodes", STRINGS),), (Ports(), Ports())),
)

RULES: dict[str, OpRule] = {rule.op: rule for rule in _RULES}

# ----------------------------------------------------------------------------- our own ops

# Ops only this project's runtime implements, for Spark models MLeap 0.20 cannot represent. Each
# name is one MLeap does not register, so the JVM (AWS's sagemaker-sparkml-serving) REFUSES the
# bundle at load ("key not found" in BundleRegistry) instead of loading something that scores
# differently from Spark (an extra attribute or port would be silently ignored there).
OWN_OP_PREFIX = "inference_pipeline."


@dataclass(frozen=True)
class OwnOp:
    """One of our ops: the Spark model it serves and, per node, the fields MLeap cannot represent."""

    op: str
    spark_stage: str
    why: str
    fields: Callable[[NodeFacts], list[tuple[str, str]]]


def _own(name: str) -> str:
    return OWN_OP_PREFIX + name


def _target_encoder_fields(node: NodeFacts) -> list[tuple[str, str]]:
    return [("op", "MLeap 0.20 (and later MLeap releases) has no target encoder op")]


def _glm_fields(node: NodeFacts) -> list[tuple[str, str]]:
    found = []
    if "offset" in node.inputs:
        found.append(("offset port", "MLeap's GeneralizedLinearRegressionModel has no offset (Spark's offsetCol)"))
    family, link = node.scalar("family", "string"), node.scalar("link", "string")
    if family not in (None, *GLR_FAMILIES):
        found.append(("family", f"{family!r} is not one of MLeap's families ({', '.join(GLR_FAMILIES)})"))
    if link not in (None, *GLR_LINKS):
        found.append(("link", f"{link!r} (link_power {node.scalar('link_power', 'double')}) is not one of "
                              f"MLeap's links ({', '.join(GLR_LINKS)})"))
    return found or [("op", "MLeap 0.20 does not register it")]


def _distance_fields(node: NodeFacts) -> list[tuple[str, str]]:
    measure = node.scalar("distance_measure", "string")
    return [("distance_measure", f"is {measure!r}; MLeap's clustering ops are Euclidean only (its serializer "
                                 "drops Spark's distanceMeasure)")]


OWN_OPS: dict[str, OwnOp] = {op.op: op for op in (
    OwnOp(_own("target_encoder"), "TargetEncoderModel", "Spark 4's TargetEncoder", _target_encoder_fields),
    OwnOp(_own("generalized_linear_regression"), "GeneralizedLinearRegressionModel",
          "a GLM with offsetCol or a tweedie power link", _glm_fields),
    OwnOp(_own("k_means"), "KMeansModel", "KMeans with distanceMeasure=cosine", _distance_fields),
    OwnOp(_own("bisecting_k_means"), "BisectingKMeansModel", "BisectingKMeans with distanceMeasure=cosine",
          _distance_fields),
)}


def not_jvm_loadable_message(op: OwnOp) -> str:
    """The sentence export warnings and ``--check-jvm`` use for a bundle holding one of our ops."""
    return (f"written with inference-pipeline's own op {op.op!r} ({op.why}), which MLeap {MLEAP_JVM_VERSION} "
            "does not register: AWS's sagemaker-sparkml-serving cannot load this bundle (it fails at load, "
            "rather than scoring differently from Spark); serve it with the sparkml image")


def check_bundle(path: str | Path) -> list[Problem]:
    """Every way the bundle at ``path`` (dir, .zip or .tar.gz) breaks a rule of MLeap 0.20's loader."""
    from inference_pipeline.mleap.jvm_check import check_bundle as _check

    return _check(path)


def format_problems(problems: list[Problem], *, bundle: str | Path | None = None) -> str:
    """Human-readable report, one line per problem (for the CLI's ``--check-jvm``)."""
    from inference_pipeline.mleap.jvm_check import format_problems as _format

    return _format(problems, bundle=bundle)


__all__ = ["MLEAP_JVM_VERSION", "OWN_OPS", "OWN_OP_PREFIX", "RULES", "Attr", "Check", "NodeFacts", "OpRule", "OwnOp",
           "Ports", "ValueType", "check_bundle", "format_problems", "not_jvm_loadable_message"]
