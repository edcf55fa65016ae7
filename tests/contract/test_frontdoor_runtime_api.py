"""The front door speaks SageMaker Runtime's InvokeEndpoint: boto3 runs against it unchanged.

Real HTTP all the way: boto3 → the front door process → stand-in containers.
"""

from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from botocore.config import Config

from tests.support.fake_hop import fake_hop
from tests.support.frontdoor import frontdoor


def runtime_client(url: str):
    return boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(retries={"total_max_attempts": 1}, read_timeout=30))


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runtime-api")
    with fake_hop("first", "text/csv") as first, fake_hop("second", "application/json") as second:
        with frontdoor([("first", first), ("second", second)], tmp, endpoint_name="car-evaluation") as url:
            yield runtime_client(url)


def test_invoke_endpoint_succeeds_with_sagemaker_headers(serial):
    answer = serial.invoke_endpoint(EndpointName="car-evaluation", Body=b"a,b", ContentType="text/csv",
                                    Accept="application/json")
    assert answer["Body"].read() == b"a,b>first:text/csv:None>second:text/csv:application/json"
    assert answer["ContentType"] == "application/json"
    assert answer["InvokedProductionVariant"] == "AllTraffic"
    assert "CustomAttributes" not in answer  # no container set one


def test_custom_attributes_reach_every_container_and_the_last_answer_returns(serial):
    answer = serial.invoke_endpoint(EndpointName="car-evaluation", Body=b"x", ContentType="text/csv",
                                    CustomAttributes="trace=42")
    # each container saw the client's value; the client gets the last container's
    assert answer["CustomAttributes"] == "trace=42>second"


def test_container_error_is_model_error_with_its_fields(serial):
    with pytest.raises(serial.exceptions.ModelError) as caught:
        serial.invoke_endpoint(EndpointName="car-evaluation", Body=b"fail-second", ContentType="text/csv")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == 400
    assert "second cannot read" in error["OriginalMessage"]
    assert "Received client error (400) from second" in error["Error"]["Message"]
    assert error["LogStreamArn"].endswith("AllTraffic/0/second")


def test_unknown_endpoint_is_validation_error(serial):
    with pytest.raises(serial.exceptions.ValidationError, match="Endpoint nope of account local not found"):
        serial.invoke_endpoint(EndpointName="nope", Body=b"x", ContentType="text/csv")


def test_target_container_on_a_serial_endpoint_is_validation_error(serial):
    with pytest.raises(serial.exceptions.ValidationError, match="not configured for direct invocation"):
        serial.invoke_endpoint(EndpointName="car-evaluation", Body=b"x", ContentType="text/csv",
                               TargetContainerHostname="first")


def test_body_limit_is_six_mib_and_the_front_door_says_it_refused(tmp_path):
    just_under = b"y" * (6 * 1024 * 1024)
    with fake_hop("only") as only, frontdoor([("only", only)], tmp_path) as url:
        client = runtime_client(url)
        answer = client.invoke_endpoint(EndpointName="e", Body=just_under, ContentType="text/plain")
        assert answer["Body"].read() == just_under + b">only:text/plain:None"
        with pytest.raises(client.exceptions.ClientError) as caught:
            client.invoke_endpoint(EndpointName="e", Body=just_under + b"y", ContentType="text/plain")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "413"  # as SageMaker: a bare 413, no modelled error code
    assert "exceeded 6291456 bytes" in error["Error"]["Message"]
    assert "local front door refused" in error["Error"]["Message"]


def test_unreachable_container_is_service_unavailable(tmp_path):
    with fake_hop("first") as first:
        with frontdoor([("first", first), ("gone", "http://127.0.0.1:9")], tmp_path, expect_ping=503) as url:
            client = runtime_client(url)
            with pytest.raises(client.exceptions.ServiceUnavailable, match="container gone is unreachable"):
                client.invoke_endpoint(EndpointName="any-name", Body=b"x", ContentType="text/csv")


def test_direct_mode_routes_by_target_container(tmp_path):
    with fake_hop("first") as first, fake_hop("second", "application/json") as second:
        with frontdoor([("first", first), ("second", second)], tmp_path, mode="Direct") as url:
            client = runtime_client(url)
            answer = client.invoke_endpoint(EndpointName="e", Body=b"q", ContentType="text/csv",
                                            TargetContainerHostname="second", Accept="application/json")
            assert answer["Body"].read() == b"q>second:text/csv:application/json"
            with pytest.raises(client.exceptions.ValidationError, match="configured for direct invocation"):
                client.invoke_endpoint(EndpointName="e", Body=b"q", ContentType="text/csv")
            with pytest.raises(client.exceptions.ValidationError, match="'third' does not exist"):
                client.invoke_endpoint(EndpointName="e", Body=b"q", ContentType="text/csv",
                                       TargetContainerHostname="third")


def test_variants_split_by_weight_round_robin_instances_and_honour_target_variant(tmp_path):
    with fake_hop("a0") as a0, fake_hop("a1") as a1, fake_hop("b0") as b0:
        config = {"endpoint": "ab", "mode": "Serial", "timeout": 10, "data_capture": None, "variants": [
            {"name": "A", "weight": 3.0, "instances": [[{"name": "m", "url": a0}], [{"name": "m", "url": a1}]]},
            {"name": "B", "weight": 1.0, "instances": [[{"name": "m", "url": b0}]]}]}
        with frontdoor(None, tmp_path, config=config) as url:
            client = runtime_client(url)
            seen = Counter()
            for _ in range(40):
                answer = client.invoke_endpoint(EndpointName="ab", Body=b"r", ContentType="text/csv")
                # the hop's reply does not name the copy, the log stream of a failure does; count variants
                seen[answer["InvokedProductionVariant"]] += 1
            assert seen == {"A": 30, "B": 10}
            targeted = {client.invoke_endpoint(EndpointName="ab", Body=b"r", ContentType="text/csv",
                                               TargetVariant="B")["InvokedProductionVariant"] for _ in range(5)}
            assert targeted == {"B"}
            with pytest.raises(client.exceptions.ValidationError, match="variant 'C' does not exist"):
                client.invoke_endpoint(EndpointName="ab", Body=b"r", ContentType="text/csv", TargetVariant="C")
            traces = [t for t in json.loads(_get(f"{url}/traces")) if t["variant"] == "A"]
            assert {t["instance"] for t in traces} == {0, 1}  # both copies of A served


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode()
