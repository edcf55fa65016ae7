# The single source of image definitions, for local builds and CodeBuild alike.
#   docker buildx bake --load                      # every image, tagged inference-pipeline/<name>
#   BASE_IMAGE=inference-pipeline/base:bookworm docker buildx bake --load   # registry-free base
#   REGISTRY=<account>.dkr.ecr.<region>.amazonaws.com VERSION=1.2.0 GIT_SHA=abc1234 docker buildx bake --push
#   docker buildx bake --print                     # resolved definitions as JSON
# Where RUN steps must not use Docker's default bridge, build with host networking through
# scripts/build-images.sh (buildx releases before 0.14 ignore a target's `network` attribute).

variable "REGISTRY" {
  # Empty: local tags only, no registry cache.
  default = ""
}
variable "REPOSITORY_PREFIX" {
  default = "inference-pipeline"
}
variable "VERSION" {
  default = "0.1.0"
}
variable "TAG" {
  # An extra tag; `latest` keeps local runs, tests and compose files simple.
  default = "latest"
}
variable "GIT_SHA" {
  default = "dev"
}
variable "BASE_IMAGE" {
  default = "python:3.11-slim-bookworm"
}
variable "PYTHON_VERSION" {
  default = "3.11"
}
variable "SOURCE_URL" {
  default = "https://github.com/inference-pipeline/inference-pipeline"
}
variable "BUILD_DATE" {
  # Empty: the time of the build.
  default = ""
}

function "repo" {
  params = [name]
  result = REGISTRY == "" ? "${REPOSITORY_PREFIX}/${name}" : "${REGISTRY}/${REPOSITORY_PREFIX}/${name}"
}

function "major" {
  params = [version]
  result = split(".", version)[0]
}

function "image_tags" {
  params = [name]
  result = compact([
    "${repo(name)}:${VERSION}",
    "${repo(name)}:${VERSION}-${GIT_SHA}",
    "${repo(name)}:${major(VERSION)}",
    TAG == "" ? "" : "${repo(name)}:${TAG}",
  ])
}

# Tags that select one framework version line, e.g. xgboost:0.1.0-xgboost1.7 (suffix "xgboost1.7");
# the moving local tag is the bare suffix (xgboost:xgboost1.7), as `latest` is for the default line.
function "line_tags" {
  params = [name, suffix]
  result = suffix == "" ? [] : compact([
    "${repo(name)}:${VERSION}-${suffix}",
    "${repo(name)}:${VERSION}-${GIT_SHA}-${suffix}",
    "${repo(name)}:${major(VERSION)}-${suffix}",
    TAG == "" ? "" : (TAG == "latest" ? "${repo(name)}:${suffix}" : "${repo(name)}:${TAG}-${suffix}"),
  ])
}

function "registry_cache" {
  # ECR needs image-manifest + OCI media types for registry cache; only with a registry.
  params = [name, suffix]
  result = REGISTRY == "" ? [] : ["type=registry,ref=${repo(name)}:buildcache${suffix == "" ? "" : "-${suffix}"},image-manifest=true,oci-mediatypes=true,mode=max"]
}

function "registry_cache_from" {
  params = [name, suffix]
  result = REGISTRY == "" ? [] : ["type=registry,ref=${repo(name)}:buildcache${suffix == "" ? "" : "-${suffix}"}"]
}

# Every bake target, in catalogue order (inference_pipeline.catalogue.bake_targets(); a test keeps
# the two equal). An image with framework version lines has one target per line: the default
# line is named after the image (and gets :latest, :<version>), the others <image>-<major>-<minor>.
variable "IMAGES" {
  default = ["sklearn-1-2", "sklearn-1-6", "sklearn", "sparkml", "postprocessing",
             "xgboost-1-7", "xgboost-3-0", "xgboost", "linear-learner", "blazingtext"]
}

# One entry per target: its image (Dockerfile, repository), its version line ("" when the image has
# none) and whether it is the image's default. Lines and their pinned versions are in catalogue.py;
# images/<image>/requirements-<line>.txt pins each line's stack.
variable "LINES" {
  default = [
    { target = "sklearn-1-2", image = "sklearn", line = "1.2", default = false },
    { target = "sklearn-1-6", image = "sklearn", line = "1.6", default = false },
    { target = "sklearn", image = "sklearn", line = "1.9", default = true },
    { target = "sparkml", image = "sparkml", line = "", default = true },
    { target = "postprocessing", image = "postprocessing", line = "", default = true },
    { target = "xgboost-1-7", image = "xgboost", line = "1.7", default = false },
    { target = "xgboost-3-0", image = "xgboost", line = "3.0", default = false },
    { target = "xgboost", image = "xgboost", line = "3.2", default = true },
    { target = "linear-learner", image = "linear-learner", line = "", default = true },
    { target = "blazingtext", image = "blazingtext", line = "", default = true },
  ]
}

group "default" {
  targets = IMAGES
}

# Feature processing and post-processing servers.
group "serving" {
  targets = ["sklearn", "sparkml", "postprocessing"]
}

# What the test suite needs: every image and line, loaded into the local engine.
group "ci" {
  targets = IMAGES
}

target "base" {
  context    = "."
  dockerfile = "images/base/Dockerfile"
  args = {
    BASE_IMAGE     = BASE_IMAGE
    PYTHON_VERSION = PYTHON_VERSION
  }
  tags = ["${repo("base-python")}:${VERSION}"]
}

target "_common" {
  context  = "."
  contexts = { base = "target:base" }
  args = {
    BASE_IMAGE     = BASE_IMAGE
    PYTHON_VERSION = PYTHON_VERSION
  }
  labels = {
    "org.opencontainers.image.source"                           = SOURCE_URL
    "org.opencontainers.image.revision"                         = GIT_SHA
    "org.opencontainers.image.version"                          = VERSION
    "org.opencontainers.image.created"                          = BUILD_DATE == "" ? timestamp() : BUILD_DATE
    "org.opencontainers.image.licenses"                         = "Apache-2.0"
    "com.amazonaws.sagemaker.capabilities.accept-bind-to-port" = "true"
  }
}

# One target per image and version line, all alike; the image's name picks its Dockerfile and
# repository, the line its requirements file (build arg LINE) and line tags.
target "image" {
  name       = item.target
  matrix     = { item = LINES }
  inherits   = ["_common"]
  dockerfile = "images/${item.image}/Dockerfile"
  args = {
    BASE_IMAGE     = BASE_IMAGE
    PYTHON_VERSION = PYTHON_VERSION
    LINE           = item.line
    IMAGE_VERSION  = VERSION
  }
  tags = concat(item.default ? image_tags(item.image) : [],
                line_tags(item.image, item.line == "" ? "" : "${item.image}${item.line}"))
  labels = {
    "org.opencontainers.image.title"       = "inference-pipeline ${item.image}"
    "io.github.inference-pipeline.line"    = item.line
  }
  cache-from = registry_cache_from(item.image, item.line == "" ? "" : "${item.image}${item.line}")
  cache-to   = registry_cache(item.image, item.line == "" ? "" : "${item.image}${item.line}")
}
