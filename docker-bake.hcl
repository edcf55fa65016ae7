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

function "registry_cache" {
  # ECR needs image-manifest + OCI media types for registry cache; only with a registry.
  params = [name]
  result = REGISTRY == "" ? [] : ["type=registry,ref=${repo(name)}:buildcache,image-manifest=true,oci-mediatypes=true,mode=max"]
}

function "registry_cache_from" {
  params = [name]
  result = REGISTRY == "" ? [] : ["type=registry,ref=${repo(name)}:buildcache"]
}

variable "IMAGES" {
  default = ["sklearn", "sparkml", "postprocessing", "xgboost", "linear-learner", "blazingtext"]
}

group "default" {
  targets = IMAGES
}

# Feature processing and post-processing servers.
group "serving" {
  targets = ["sklearn", "sparkml", "postprocessing"]
}

# What the test suite needs: every image, loaded into the local engine.
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

# One target per image, all alike; the image's name picks its Dockerfile, tags and cache.
target "image" {
  name       = item
  matrix     = { item = IMAGES }
  inherits   = ["_common"]
  dockerfile = "images/${item}/Dockerfile"
  tags       = image_tags(item)
  labels     = { "org.opencontainers.image.title" = "inference-pipeline ${item}" }
  cache-from = registry_cache_from(item)
  cache-to   = registry_cache(item)
}
