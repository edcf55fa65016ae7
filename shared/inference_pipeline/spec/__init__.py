"""SageMaker request/response contracts rendered from the pipeline spec: the spec itself,
image URIs and the exact API requests, below both the local simulator and the deployer."""
