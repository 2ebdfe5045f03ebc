#!/usr/bin/env python3
"""Real AWS clients against `tenantsim fakes serve`: boto3 (client and resource) and the AWS CLI.

Usage: fakes_serve_clients.py TENANTSIM_BINARY CASE
Each case starts its own server on 127.0.0.1 (signatures verified) and stops it. The clients sign
with SigV4, check x-amz-crc32 and parse the error envelope themselves, so a case passes only if the
wire format is right, not only the fake's logic.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from fakes_server import KEYS, FakesServe, client  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402

os.environ.setdefault("NO_PROXY", "127.0.0.1")
os.environ["no_proxy"] = os.environ["NO_PROXY"]
for var in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(var, None)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response
    raise AssertionError(f"{fn.__name__} succeeded; an error was expected")


def create_table(ddb, name="orders"):
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}])
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})


def case_boto3_items(binary):
    with FakesServe(binary) as srv:
        ddb = client(srv.endpoint)
        create_table(ddb)
        check(ddb.list_tables()["TableNames"] == ["orders"], "list_tables")
        ddb.put_item(TableName="orders", Item={"pk": {"S": "t1"}, "sk": {"N": "1"}, "total": {"N": "10.50"},
                                                "tags": {"SS": ["a", "b"]}, "doc": {"M": {"l": {"L": [{"S": "x"}]}}}})
        got = ddb.get_item(TableName="orders", Key={"pk": {"S": "t1"}, "sk": {"N": "1"}}, ConsistentRead=True)
        check(got["Item"]["total"] == {"N": "10.5"}, f"canonical number: {got}")
        check(got["Item"]["doc"]["M"]["l"]["L"][0] == {"S": "x"}, "nested document")
        code, resp = error_code(ddb.put_item, TableName="orders", Item={"pk": {"S": "t1"}, "sk": {"N": "1"}},
                                ConditionExpression="attribute_not_exists(pk)",
                                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        check(code == "ConditionalCheckFailedException", code)
        check(resp.get("Item", {}).get("total") == {"N": "10.5"}, f"old item on failure: {resp}")
        up = ddb.update_item(TableName="orders", Key={"pk": {"S": "t1"}, "sk": {"N": "1"}},
                             UpdateExpression="SET #t = #t + :d ADD tags :more REMOVE doc.l[0]",
                             ExpressionAttributeNames={"#t": "total"},
                             ExpressionAttributeValues={":d": {"N": "0.25"}, ":more": {"SS": ["c"]}},
                             ReturnValues="ALL_NEW")
        check(up["Attributes"]["total"] == {"N": "10.75"}, f"update: {up}")
        check(sorted(up["Attributes"]["tags"]["SS"]) == ["a", "b", "c"], "ADD to a string set")
        check(up["Attributes"]["doc"]["M"]["l"]["L"] == [], "REMOVE a list element")
        code, resp = error_code(ddb.update_item, TableName="orders", Key={"pk": {"S": "t1"}, "sk": {"N": "1"}},
                                UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": {"S": "x"}, ":w": {"S": "y"}})
        check(code == "ValidationException" and ":w" in resp["Error"]["Message"], f"unused value: {resp['Error']}")
        code, resp = error_code(ddb.get_item, TableName="orders", Key={"pk": {"S": "t1"}})
        check(code == "ValidationException", "key not matching the schema")
        code, _ = error_code(ddb.get_item, TableName="nope", Key={"pk": {"S": "t1"}})
        check(code == "ResourceNotFoundException", code)
        ddb.delete_item(TableName="orders", Key={"pk": {"S": "t1"}, "sk": {"N": "1"}})
        check("Item" not in ddb.get_item(TableName="orders", Key={"pk": {"S": "t1"}, "sk": {"N": "1"}}), "deleted")


def case_boto3_pagination_batches_transactions(binary):
    with FakesServe(binary) as srv:
        ddb = client(srv.endpoint)
        create_table(ddb)
        # 60 items in three batches of 20 (BatchWriteItem takes 25 at most).
        for start in range(0, 60, 20):
            ddb.batch_write_item(RequestItems={"orders": [
                {"PutRequest": {"Item": {"pk": {"S": "t1"}, "sk": {"N": str(i)}, "even": {"BOOL": i % 2 == 0}}}}
                for i in range(start, start + 20)]})
        code, _ = error_code(ddb.batch_write_item, RequestItems={"orders": [
            {"PutRequest": {"Item": {"pk": {"S": "t2"}, "sk": {"N": str(i)}}}} for i in range(26)]})
        check(code == "ValidationException", "26 writes in one batch")
        pages = client(srv.endpoint).get_paginator("query").paginate(
            TableName="orders", KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
            FilterExpression="even = :t", ExpressionAttributeValues={
                ":p": {"S": "t1"}, ":lo": {"N": "5"}, ":hi": {"N": "50"}, ":t": {"BOOL": True}},
            PaginationConfig={"PageSize": 7})
        keys, page_count = [], 0
        for page in pages:
            page_count += 1
            keys += [int(i["sk"]["N"]) for i in page["Items"]]
        check(keys == list(range(6, 51, 2)), f"query pages in numeric order: {keys}")
        check(page_count >= 7, f"Limit 7 over 46 items gives 7+ pages, got {page_count}")
        scanned = sum(p["Count"] for p in ddb.get_paginator("scan").paginate(
            TableName="orders", PaginationConfig={"PageSize": 11}))
        check(scanned == 60, f"scan count {scanned}")
        got = ddb.batch_get_item(RequestItems={"orders": {"Keys": [
            {"pk": {"S": "t1"}, "sk": {"N": str(i)}} for i in (1, 2, 999)], "ProjectionExpression": "sk"}})
        check(sorted(i["sk"]["N"] for i in got["Responses"]["orders"]) == ["1", "2"], f"batch get: {got}")
        check(all(set(i) == {"sk"} for i in got["Responses"]["orders"]), "projection in batch get")
        code, resp = error_code(ddb.transact_write_items, TransactItems=[
            {"Put": {"TableName": "orders", "Item": {"pk": {"S": "t9"}, "sk": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": "orders", "Key": {"pk": {"S": "t1"}, "sk": {"N": "1"}},
                                "ConditionExpression": "even = :t", "ExpressionAttributeValues": {":t": {"BOOL": True}}}}])
        check(code == "TransactionCanceledException", code)
        reasons = [r["Code"] for r in resp["CancellationReasons"]]
        check(reasons == ["None", "ConditionalCheckFailed"], f"reasons {reasons}")
        check("Item" not in ddb.get_item(TableName="orders", Key={"pk": {"S": "t9"}, "sk": {"N": "1"}}), "all or nothing")
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "orders", "Item": {"pk": {"S": "t9"}, "sk": {"N": "1"}}}},
            {"Update": {"TableName": "orders", "Key": {"pk": {"S": "t1"}, "sk": {"N": "0"}},
                        "UpdateExpression": "SET seen = :t", "ExpressionAttributeValues": {":t": {"BOOL": True}}}}])
        tg = ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "orders", "Key": {"pk": {"S": "t9"}, "sk": {"N": "1"}}}},
            {"Get": {"TableName": "orders", "Key": {"pk": {"S": "t1"}, "sk": {"N": "0"}}}}])
        check(tg["Responses"][1]["Item"]["seen"] == {"BOOL": True}, f"transact get: {tg}")


def case_boto3_resource(binary):
    """The high-level resource API: Decimal numbers and the condition builder's generated names."""
    import boto3
    from boto3.dynamodb.conditions import Attr, Key

    with FakesServe(binary) as srv:
        create_table(client(srv.endpoint))
        res = boto3.resource("dynamodb", endpoint_url=srv.endpoint, region_name="us-east-1",
                             aws_access_key_id="AKIDTENANTSIMTEST01",
                             aws_secret_access_key=KEYS["AKIDTENANTSIMTEST01"]["secret"])
        table = res.Table("orders")
        with table.batch_writer() as bw:
            for i in range(30):
                bw.put_item(Item={"pk": "acme", "sk": i, "price": Decimal("0.1") * i, "status": "open" if i % 3 else "closed"})
        r = table.query(KeyConditionExpression=Key("pk").eq("acme") & Key("sk").lt(10),
                        FilterExpression=Attr("status").eq("closed"), ScanIndexForward=False)
        check([int(i["sk"]) for i in r["Items"]] == [9, 6, 3, 0], f"resource query: {r['Items']}")
        check(r["Items"][0]["price"] == Decimal("0.9"), "exact decimals")
        table.update_item(Key={"pk": "acme", "sk": 1}, UpdateExpression="SET price = price + :p",
                          ExpressionAttributeValues={":p": Decimal("0.2")})
        check(table.get_item(Key={"pk": "acme", "sk": 1})["Item"]["price"] == Decimal("0.3"), "0.1 + 0.2 is 0.3 here")


def case_accounts_and_signatures(binary):
    with FakesServe(binary) as srv:
        one, two = client(srv.endpoint, "AKIDTENANTSIMTEST01"), client(srv.endpoint, "AKIDTENANTSIMTEST02")
        create_table(one)
        check(two.list_tables()["TableNames"] == [], "another account sees no tables")
        create_table(two)  # the same name in another account is another table
        arn = two.describe_table(TableName="orders")["Table"]["TableArn"]
        check(arn == "arn:aws:dynamodb:us-east-1:222222222222:table/orders", arn)
        code, _ = error_code(client(srv.endpoint, "AKIDTENANTSIMTEST01", secret="wrong-secret").list_tables)
        check(code == "InvalidSignatureException", code)
        code, _ = error_code(client(srv.endpoint, "AKIDUNKNOWNKEY000000", secret="x").list_tables)
        check(code == "UnrecognizedClientException", code)
        # An AWS JSON call without X-Amz-Target: 400 UnknownOperationException, as the services (and
        # dynalite) answer, not a 404.
        import urllib.error
        import urllib.request
        req = urllib.request.Request(srv.endpoint + "/", method="POST", data=b"{}",
                                     headers={"Content-Type": "application/x-amz-json-1.0"})
        try:
            urllib.request.urlopen(req)
            raise AssertionError("a call without X-Amz-Target succeeded")
        except urllib.error.HTTPError as e:
            body = json.loads(e.read())
            check(e.code == 400 and body["__type"].endswith("UnknownOperationException"), f"no target: {e.code} {body}")


def aws_cli(endpoint, *args, key="AKIDTENANTSIMTEST01"):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=KEYS[key]["secret"],
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
    return subprocess.run(["aws", "--endpoint-url", endpoint, "--output", "json", "dynamodb", *args],
                          env=env, capture_output=True, text=True, timeout=60)


def case_aws_cli(binary):
    with FakesServe(binary) as srv:
        r = aws_cli(srv.endpoint, "create-table", "--table-name", "cli", "--billing-mode", "PAY_PER_REQUEST",
                    "--key-schema", "AttributeName=id,KeyType=HASH", "--attribute-definitions", "AttributeName=id,AttributeType=S")
        check(r.returncode == 0, f"create-table: {r.stderr}")
        r = aws_cli(srv.endpoint, "put-item", "--table-name", "cli", "--item", json.dumps({"id": {"S": "1"}, "n": {"N": "5"}}))
        check(r.returncode == 0, f"put-item: {r.stderr}")
        r = aws_cli(srv.endpoint, "put-item", "--table-name", "cli", "--item", json.dumps({"id": {"S": "1"}}),
                    "--condition-expression", "attribute_not_exists(id)")
        check(r.returncode != 0 and "ConditionalCheckFailedException" in r.stderr, f"conditional put: {r.returncode} {r.stderr}")
        r = aws_cli(srv.endpoint, "scan", "--table-name", "cli")
        check(r.returncode == 0 and json.loads(r.stdout)["Items"] == [{"id": {"S": "1"}, "n": {"N": "5"}}], r.stdout + r.stderr)
        r = aws_cli(srv.endpoint, "list-tables")
        check(json.loads(r.stdout)["TableNames"] == ["cli"], r.stdout)


def case_state_survives_restart(binary):
    state = tempfile.mkdtemp()
    with FakesServe(binary, state=state) as srv:
        ddb = client(srv.endpoint)
        create_table(ddb)
        for i in range(5):
            ddb.update_item(TableName="orders", Key={"pk": {"S": "c"}, "sk": {"N": "0"}},
                            UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})
        error_code(ddb.put_item, TableName="orders", Item={"pk": {"S": "c"}, "sk": {"N": "0"}},
                   ConditionExpression="attribute_not_exists(pk)")
        idp = client(srv.endpoint, service="cognito-idp")
        pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
        app = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
        idp.sign_up(ClientId=app, Username="u@x", Password="Correct-Horse-5")
        error_code(idp.confirm_sign_up, ClientId=app, Username="u@x", ConfirmationCode="not-the-code")
        mailed = srv.control(f"/_fake/cognito/confirmation-code?client_id={app}&username=u@x")["code"]
        idp.confirm_sign_up(ClientId=app, Username="u@x", ConfirmationCode=mailed)
        agent = client(srv.endpoint, service="bedrock-agent")
        kb = agent.create_knowledge_base(name="kb", roleArn="arn:aws:iam::111111111111:role/kb",
                                         knowledgeBaseConfiguration={"type": "VECTOR"})["knowledgeBase"]["knowledgeBaseId"]
        ds = agent.create_data_source(knowledgeBaseId=kb, name="inline",
                                      dataSourceConfiguration={"type": "CUSTOM"})["dataSource"]["dataSourceId"]
        agent.ingest_knowledge_base_documents(knowledgeBaseId=kb, dataSourceId=ds, documents=[{"content": {
            "dataSourceType": "CUSTOM", "custom": {"customDocumentIdentifier": {"id": "d1"}, "sourceType": "IN_LINE",
                                                   "inlineContent": {"type": "TEXT", "textContent": {"data": "kept text"}}}}}])
        agent = agent.create_agent(agentName="kept-agent", foundationModel=HAIKU)["agent"]["agentId"]
        srv.stop(signal.SIGKILL)  # no goodbye: what was answered must already be on disk
    log = os.path.join(state, "requests.jsonl")
    with open(log, "a") as f:
        f.write('{"service": "dynamodb", "op": "PutItem", "t": 1')  # a line the kill cut short
    with FakesServe(binary, state=state) as srv:
        got = client(srv.endpoint).get_item(TableName="orders", Key={"pk": {"S": "c"}, "sk": {"N": "0"}})
        check(got["Item"]["n"] == {"N": "5"}, f"restored counter: {got}")
        auth = client(srv.endpoint, service="cognito-idp").initiate_auth(
            ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "u@x", "PASSWORD": "Correct-Horse-5"})
        check("IdToken" in auth["AuthenticationResult"], "the confirmed user signs in after the restart")
        found = client(srv.endpoint, service="bedrock-agent-runtime").retrieve(knowledgeBaseId=kb, retrievalQuery={"text": "kept"})
        check([r["content"]["text"] for r in found["retrievalResults"]] == ["kept text"], f"restored knowledge base: {found}")
        answer = client(srv.endpoint, service="bedrock-agent-runtime").invoke_agent(
            agentId=agent, agentAliasId="TSTALIASID", sessionId="after-restart", inputText="Hello")
        check([next(iter(e)) for e in answer["completion"]] == ["chunk"], "the restored agent answers")
    with open(log) as f:
        lines = f.read().splitlines()
    # 6 DynamoDB writes, 5 Cognito calls before the kill (the failed confirmation too), 3 knowledge-base
    # writes, 1 agent, and the sign-in after the restart (retrievals and invocations change nothing);
    # the torn line is gone.
    ops = [f"{json.loads(line)['service']}.{json.loads(line).get('op', json.loads(line).get('method'))}" for line in lines]
    check(len(lines) == 16 and ops[-1] == "cognito.InitiateAuth", f"{len(lines)} entries: {ops}")


HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def case_bedrock_converse(binary):
    """boto3's bedrock-runtime: a tool round trip through Converse, usage in every answer, and
    ConverseStream."""
    with FakesServe(binary) as srv:
        br = client(srv.endpoint, service="bedrock-runtime")
        tools = {"tools": [{"toolSpec": {"name": "get_current_weather", "description": "Current weather for a city",
                                         "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}]}
        question = {"role": "user", "content": [{"text": "What is the weather in Paris?"}]}
        first = br.converse(modelId=HAIKU, messages=[question], toolConfig=tools,
                            system=[{"text": "You are a helpful assistant."}], inferenceConfig={"maxTokens": 300},
                            requestMetadata={"tenant_id": "acme"})
        check(first["stopReason"] == "tool_use", f"stop reason {first['stopReason']}")
        use = next(c["toolUse"] for c in first["output"]["message"]["content"] if "toolUse" in c)
        check(use["name"] == "get_current_weather" and use["input"]["city"] == "Paris", f"tool use {use}")
        check(first["usage"]["inputTokens"] > 0 and first["usage"]["totalTokens"] ==
              first["usage"]["inputTokens"] + first["usage"]["outputTokens"], f"usage {first['usage']}")
        second = br.converse(modelId=HAIKU, toolConfig=tools, messages=[
            question, first["output"]["message"],
            {"role": "user", "content": [{"toolResult": {"toolUseId": use["toolUseId"], "content": [{"json": {"temp_c": 18}}]}}]}])
        check(second["stopReason"] == "end_turn", f"stop reason {second['stopReason']}")
        text = second["output"]["message"]["content"][0]["text"]
        check("temp_c" in text, f"the answer quotes the tool result: {text}")
        code, _ = error_code(br.converse, modelId="no.such-model-v1:0", messages=[question])
        check(code == "ValidationException", code)
        # ConverseStream: event-stream frames (botocore checks both CRCs of each) that add up to the
        # Converse answer: the text from its deltas, the tool use from its start and input delta.
        streamed = br.converse_stream(modelId=HAIKU, messages=[question], toolConfig=tools)
        events = list(streamed["stream"])
        kinds = [next(iter(e)) for e in events]
        check(kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"], f"events {kinds}")
        start = next(e["contentBlockStart"]["start"]["toolUse"] for e in events if "contentBlockStart" in e)
        tool_input = "".join(e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events
                             if "contentBlockDelta" in e and "toolUse" in e["contentBlockDelta"]["delta"])
        check(start["name"] == "get_current_weather" and json.loads(tool_input)["city"] == "Paris", f"{start} {tool_input}")
        check(events[-2]["messageStop"]["stopReason"] == "tool_use", f"{events[-2]}")
        check(events[-1]["metadata"]["usage"]["inputTokens"] > 0, f"{events[-1]}")
        long_answer = br.converse(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": "Tell me about Lisbon"}]}])
        streamed = br.converse_stream(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": "Tell me about Lisbon"}]}])
        deltas = [e["contentBlockDelta"]["delta"]["text"] for e in streamed["stream"] if "contentBlockDelta" in e]
        check("".join(deltas) == long_answer["output"]["message"]["content"][0]["text"], f"deltas {deltas}")
        code, _ = error_code(br.converse_stream, modelId="no.such-model-v1:0", messages=[question])
        check(code == "ValidationException", f"a stream refused before it starts: {code}")
        code, _ = error_code(br.converse, modelId=HAIKU, messages=[{"role": "robot", "content": [{"text": "x"}]}])
        check(code == "ValidationException", code)


def case_bedrock_invoke_and_cli(binary):
    """InvokeModel with Anthropic's body (boto3), and Converse from the AWS CLI."""
    with FakesServe(binary) as srv:
        br = client(srv.endpoint, service="bedrock-runtime")
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                           "messages": [{"role": "user", "content": "Hello there"}]})
        r = br.invoke_model(modelId=HAIKU, body=body, contentType="application/json", accept="application/json")
        answer = json.loads(r["body"].read())
        check(answer["type"] == "message" and answer["content"][0]["type"] == "text", f"invoke: {answer}")
        check(answer["usage"]["input_tokens"] > 0, "usage")
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTENANTSIMTEST01", AWS_SECRET_ACCESS_KEY=KEYS["AKIDTENANTSIMTEST01"]["secret"],
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        cli = subprocess.run(["aws", "--endpoint-url", srv.endpoint, "--output", "json", "bedrock-runtime", "converse",
                              "--model-id", HAIKU, "--messages", json.dumps([{"role": "user", "content": [{"text": "Hi"}]}])],
                             env=env, capture_output=True, text=True, timeout=60)
        check(cli.returncode == 0, f"aws bedrock-runtime converse: {cli.stderr}")
        check(json.loads(cli.stdout)["usage"]["outputTokens"] > 0, cli.stdout)


def case_knowledge_bases(binary):
    """boto3's bedrock-agent (CreateKnowledgeBase, CreateDataSource, IngestKnowledgeBaseDocuments,
    ListKnowledgeBases) and bedrock-agent-runtime (Retrieve with a tenant filter); a second account
    cannot see the first one's knowledge base."""
    with FakesServe(binary) as srv:
        agent = client(srv.endpoint, service="bedrock-agent")
        runtime = client(srv.endpoint, service="bedrock-agent-runtime")
        made = agent.create_knowledge_base(
            name="kb-pooled", roleArn="arn:aws:iam::111111111111:role/kb",
            knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}})
        kb = made["knowledgeBase"]
        check(len(kb["knowledgeBaseId"]) == 10 and kb["knowledgeBaseId"].isalnum() and kb["status"] == "ACTIVE", f"{kb}")
        check(kb["createdAt"].year >= 2024, f"createdAt parsed as a time: {kb['createdAt']}")
        kb_id = kb["knowledgeBaseId"]
        code, _ = error_code(agent.create_knowledge_base, name="kb-pooled", roleArn="arn:aws:iam::111111111111:role/kb",
                             knowledgeBaseConfiguration={"type": "VECTOR"})
        check(code == "ConflictException", code)
        ds = agent.create_data_source(knowledgeBaseId=kb_id, name="inline",
                                      dataSourceConfiguration={"type": "CUSTOM"})["dataSource"]["dataSourceId"]
        docs = []
        for tenant in ("acme", "globex"):
            for i in range(3):
                docs.append({"content": {"dataSourceType": "CUSTOM", "custom": {
                    "customDocumentIdentifier": {"id": f"{tenant}-{i}"}, "sourceType": "IN_LINE",
                    "inlineContent": {"type": "TEXT", "textContent": {"data": f"kbmark:{tenant}: refund policy {i}"}}}},
                    "metadata": {"type": "IN_LINE_ATTRIBUTE", "inlineAttributes": [
                        {"key": "tenant_id", "value": {"type": "STRING", "stringValue": tenant}},
                        {"key": "page", "value": {"type": "NUMBER", "numberValue": i}}]}})
        details = agent.ingest_knowledge_base_documents(knowledgeBaseId=kb_id, dataSourceId=ds, documents=docs[:3])
        details = details["documentDetails"] + agent.ingest_knowledge_base_documents(
            knowledgeBaseId=kb_id, dataSourceId=ds, documents=docs[3:])["documentDetails"]
        check([d["status"] for d in details] == ["INDEXED"] * 6, f"{details}")
        code, _ = error_code(agent.ingest_knowledge_base_documents, knowledgeBaseId=kb_id, dataSourceId=ds, documents=docs * 2)
        check(code == "ValidationException", f"more than 10 documents: {code}")
        found = runtime.retrieve(knowledgeBaseId=kb_id, retrievalQuery={"text": "refund policy"}, retrievalConfiguration={
            "vectorSearchConfiguration": {"numberOfResults": 10, "filter": {"equals": {"key": "tenant_id", "value": "acme"}}}})
        results = found["retrievalResults"]
        check(len(results) == 3 and all(r["metadata"]["tenant_id"] == "acme" for r in results), f"{results}")
        check(all(r["content"]["text"].startswith("kbmark:acme:") and 0 < r["score"] <= 1 for r in results), f"{results}")
        check(results[0]["location"] == {"type": "CUSTOM", "customDocumentLocation": {"id": "acme-0"}}, f"{results[0]}")
        code, _ = error_code(runtime.retrieve, knowledgeBaseId=kb_id, retrievalQuery={"text": "refund"},
                             retrievalConfiguration={"vectorSearchConfiguration": {"filter": {
                                 "notEquals": {"key": "tenant_id", "value": "acme"}}}})
        check(code == "ValidationException", f"a filter the fake does not apply is refused, not ignored: {code}")
        listed = agent.list_knowledge_bases()["knowledgeBaseSummaries"]
        check([k["knowledgeBaseId"] for k in listed] == [kb_id], f"{listed}")
        other = client(srv.endpoint, key_id="AKIDTENANTSIMTEST02", service="bedrock-agent-runtime")
        code, _ = error_code(other.retrieve, knowledgeBaseId=kb_id, retrievalQuery={"text": "refund"})
        check(code == "ResourceNotFoundException", f"another account's knowledge base: {code}")


def case_bedrock_agents(binary):
    """boto3's bedrock-agent (CreateAgent, a RETURN_CONTROL action group, PrepareAgent, CreateAgentAlias)
    and bedrock-agent-runtime's InvokeAgent: the model asks for a function, the stream returns control,
    the client answers with the result, and the completion quotes it; trace events carry each model
    invocation's usage."""
    with FakesServe(binary) as srv:
        agent_api = client(srv.endpoint, service="bedrock-agent")
        runtime = client(srv.endpoint, service="bedrock-agent-runtime")
        agent = agent_api.create_agent(agentName="weather-agent", foundationModel=HAIKU,
                                       instruction="Answer questions about the weather in any city, briefly.")["agent"]
        agent_id = agent["agentId"]
        check(len(agent_id) == 10 and agent["agentStatus"] == "NOT_PREPARED", f"{agent}")
        agent_api.create_agent_action_group(
            agentId=agent_id, agentVersion="DRAFT", actionGroupName="weather",
            actionGroupExecutor={"customControl": "RETURN_CONTROL"},
            functionSchema={"functions": [{"name": "get_current_weather", "description": "Current weather for a city",
                                           "parameters": {"city": {"type": "string", "required": True}}}]})
        code, _ = error_code(agent_api.create_agent_action_group, agentId=agent_id, agentVersion="DRAFT",
                             actionGroupName="lambda", actionGroupExecutor={"lambda": "arn:aws:lambda:us-east-1:1:function:f"},
                             functionSchema={"functions": [{"name": "other"}]})
        check(code == "ValidationException", f"a Lambda executor is refused by name: {code}")
        check(agent_api.prepare_agent(agentId=agent_id)["agentStatus"] == "PREPARED", "prepared")
        alias = agent_api.create_agent_alias(agentId=agent_id, agentAliasName="live")["agentAlias"]["agentAliasId"]

        session = "acme-ana-session:0001"
        first = runtime.invoke_agent(agentId=agent_id, agentAliasId=alias, sessionId=session, enableTrace=True,
                                     inputText="What is the weather in Paris?",
                                     sessionState={"sessionAttributes": {"tenant_id": "acme", "user_id": "ana"}})
        check(first["sessionId"] == session, f"session header: {first['sessionId']}")
        events = list(first["completion"])
        kinds = [next(iter(e)) for e in events]
        check(kinds == ["trace", "returnControl"], f"events {kinds}")
        usage = events[0]["trace"]["trace"]["orchestrationTrace"]["modelInvocationOutput"]["metadata"]["usage"]
        check(usage["inputTokens"] > 0, f"usage in the trace: {events[0]}")
        control = events[1]["returnControl"]
        call = control["invocationInputs"][0]["functionInvocationInput"]
        check(call["actionGroup"] == "weather" and call["function"] == "get_current_weather", f"{call}")
        check(call["parameters"] == [{"name": "city", "type": "string", "value": "Paris"}], f"{call}")

        code, _ = error_code(lambda: list(runtime.invoke_agent(
            agentId=agent_id, agentAliasId=alias, sessionId=session,
            sessionState={"invocationId": "not-this-one", "returnControlInvocationResults": [{"functionResult": {
                "actionGroup": "weather", "function": "get_current_weather",
                "responseBody": {"TEXT": {"body": "{}"}}}}]})["completion"]))
        check(code == "ValidationException", f"results for another invocation: {code}")
        second = runtime.invoke_agent(
            agentId=agent_id, agentAliasId=alias, sessionId=session, enableTrace=True,
            sessionState={"invocationId": control["invocationId"], "returnControlInvocationResults": [{"functionResult": {
                "actionGroup": "weather", "function": "get_current_weather",
                "responseBody": {"TEXT": {"body": json.dumps({"temp_c": 21})}}}}]})
        events = list(second["completion"])
        kinds = [next(iter(e)) for e in events]
        check(kinds[-1] == "chunk" and "trace" in kinds, f"events {kinds}")
        text = events[-1]["chunk"]["bytes"].decode()
        check("temp_c" in text, f"the completion quotes the function's result: {text}")
        code, _ = error_code(lambda: list(runtime.invoke_agent(
            agentId=agent_id, agentAliasId=alias, sessionId=session,
            sessionState={"returnControlInvocationResults": [{"functionResult": {
                "actionGroup": "weather", "function": "get_current_weather"}}]})["completion"]))
        check(code == "ValidationException", f"results when nothing waits: {code}")

        plain = runtime.invoke_agent(agentId=agent_id, agentAliasId="TSTALIASID", sessionId="s2", inputText="Hello there")
        kinds = [next(iter(e)) for e in plain["completion"]]
        check(kinds == ["chunk"], f"no trace unless asked, the test alias works: {kinds}")
        code, _ = error_code(runtime.invoke_agent, agentId="NOSUCHAGNT", agentAliasId="TSTALIASID", sessionId="s3", inputText="x")
        check(code == "ResourceNotFoundException", code)
        other = client(srv.endpoint, key_id="AKIDTENANTSIMTEST02", service="bedrock-agent-runtime")
        code, _ = error_code(other.invoke_agent, agentId=agent_id, agentAliasId="TSTALIASID", sessionId="s4", inputText="x")
        check(code == "ResourceNotFoundException", f"another account's agent: {code}")


def case_ledger(binary):
    """GET /_fake/ledger: what each fake billed, read from the far side. Model usage per account (from
    the signing key) and per the tenant and user the caller tagged equals the usage the answers
    reported; weather calls per key; knowledge-base retrievals per filter with the owners returned."""
    import urllib.request
    with FakesServe(binary) as srv:
        expected = {}
        for key_id, tenant, user in (("AKIDTENANTSIMTEST01", "acme", "ana"), ("AKIDTENANTSIMTEST01", "acme", "bob"),
                                     ("AKIDTENANTSIMTEST02", "globex", "gus")):
            br = client(srv.endpoint, key_id=key_id, service="bedrock-runtime")
            r = br.converse(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": f"Hello from {user}"}]}],
                            requestMetadata={"tenant_id": tenant, "user_id": user})
            e = expected.setdefault((KEYS[key_id]["account"], tenant, user), [0, 0])
            e[0] += r["usage"]["inputTokens"]
            e[1] += r["usage"]["outputTokens"]
        with urllib.request.urlopen(f"{srv.endpoint}/data/2.5/weather?q=Oslo&appid=tenantsim-weather-key") as w:
            check(w.status == 200, "a weather call")
        ledger = srv.control("/_fake/ledger")
        users = {(row["tenant_id"], row["user_id"]): (row["input_tokens"], row["output_tokens"]) for row in ledger["bedrock"]["by_user_tag"]}
        for (_, tenant, user), (tin, tout) in expected.items():
            check(users[(tenant, user)] == (tin, tout), f"{tenant}/{user}: ledger {users.get((tenant, user))} vs answers {(tin, tout)}")
        accounts = {row["account"]: row["input_tokens"] for row in ledger["bedrock"]["by_account_model"]}
        for account in ("111111111111", "222222222222"):
            check(accounts[account] == sum(v[0] for k, v in expected.items() if k[0] == account), f"account {account}: {accounts}")
        tenants = {row["tenant_id"]: row["invocations"] for row in ledger["bedrock"]["by_tenant_tag"]}
        check(tenants == {"acme": 2, "globex": 1}, f"by tenant: {tenants}")
        check(ledger["weather"]["calls"] == {"tenantsim-weather-key": {"current": 1}}, f"weather: {ledger['weather']}")
        check(ledger["cognito"]["requests_by_operation"] == {} and ledger["agents"]["invocations"] == [], f"{ledger}")


def case_weather_api(binary):
    """OpenWeatherMap's REST API as a plain HTTP client sees it: shapes, units and error bodies."""
    import urllib.error
    import urllib.request

    def get(url):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    with FakesServe(binary, extra_args=["--weather-api-key", "k1:3"]) as srv:
        status, doc = get(f"{srv.endpoint}/data/2.5/weather?q=London,uk&appid=k1&units=metric")
        check(status == 200 and doc["name"] == "London" and doc["cod"] == 200, f"current: {status} {doc}")
        check(isinstance(doc["main"]["temp"], (int, float)) and doc["weather"][0]["main"], f"current shape: {doc}")
        # What clients read beside the weather (the public sample's tool reads sys.country).
        check(doc["sys"]["country"] == "GB" and doc["sys"]["sunrise"] < doc["dt"] + 86400 and
              doc["sys"]["sunrise"] < doc["sys"]["sunset"] and doc["timezone"] == 0 and doc["id"] == 2643743 and
              doc["coord"] == {"lat": 51.51, "lon": -0.13}, f"current sys, zone and id: {doc}")
        status, doc = get(f"{srv.endpoint}/data/2.5/forecast?lat=48.8&lon=2.3&appid=k1")
        check(status == 200 and doc["city"]["name"] == "Paris" and doc["cnt"] == len(doc["list"]) > 0, f"forecast: {doc}")
        check(doc["city"]["country"] == "FR" and doc["city"]["timezone"] == 3600, f"forecast city: {doc['city']}")
        status, doc = get(f"{srv.endpoint}/data/2.5/weather?q=Atlantis&appid=k1")
        check(status == 404 and doc == {"cod": "404", "message": "city not found"}, f"unknown city: {status} {doc}")
        status, doc = get(f"{srv.endpoint}/data/2.5/weather?q=London&appid=wrong")
        check(status == 401 and doc["cod"] == 401, f"bad key: {status} {doc}")
        status, doc = get(f"{srv.endpoint}/geo/1.0/direct?q=paris&limit=1&appid=k1")
        check(status == 200 and doc == [{"name": "Paris", "lat": 48.86, "lon": 2.35, "country": "FR"}], f"geocoding: {status} {doc}")
        status, doc = get(f"{srv.endpoint}/geo/1.0/direct?q=Atlantis&limit=1&appid=k1")
        check(status == 200 and doc == [], f"geocoding an unknown city: {status} {doc}")
        status, doc = get(f"{srv.endpoint}/geo/1.0/direct?q=Paris&appid=wrong")
        check(status == 401, f"geocoding with a bad key: {status} {doc}")
        status, doc = get(f"{srv.endpoint}/data/3.0/onecall?q=London&appid=k1")
        check(status == 429 and doc["cod"] == 429, f"the 4th call in a minute of a 3/minute key: {status} {doc}")


def b64url_decode(s):
    import base64
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_rs256(token, jwks):
    """The token's signature against the pool's JWKS, with the cryptography package (not our code)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    header_b64, payload_b64, sig_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = rsa.RSAPublicNumbers(int.from_bytes(b64url_decode(key["e"]), "big"),
                                  int.from_bytes(b64url_decode(key["n"]), "big")).public_key()
    public.verify(b64url_decode(sig_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return json.loads(b64url_decode(payload_b64))


def case_cognito(binary):
    """boto3's cognito-idp: a pool with a tenant attribute, sign-up with the e-mailed code, sign-in,
    refresh, groups, ListUsers; the ID token verified against the pool's JWKS."""
    import urllib.request

    with FakesServe(binary) as srv:
        idp = client(srv.endpoint, service="cognito-idp")
        pool = idp.create_user_pool(PoolName="tenants", Schema=[
            {"Name": "tenant_id", "AttributeDataType": "String", "Mutable": False}])["UserPool"]["Id"]
        app = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", WriteAttributes=["email"])["UserPoolClient"]["ClientId"]
        # The tenant claim is not the user's to write (WriteAttributes leaves it out): a sign-up that
        # names it is refused, as Cognito refuses it; the pool's owner writes it after the sign-up.
        code, answer = error_code(idp.sign_up, ClientId=app, Username="ana@acme", Password="Correct-Horse-9",
                                  UserAttributes=[{"Name": "email", "Value": "ana@acme.test"},
                                                  {"Name": "custom:tenant_id", "Value": "acme"}])
        message = answer["Error"]["Message"]
        check(code == "NotAuthorizedException" and message == "A client attempted to write unauthorized attribute",
              f"a sign-up naming its tenant: {code} {message}")
        code, answer = error_code(idp.sign_up, ClientId=app, Username="ana@acme", Password="Correct-Horse-9",
                                  UserAttributes=[{"Name": "custom:nope", "Value": "x"}])
        message = answer["Error"]["Message"]
        check(code == "InvalidParameterException" and "custom:nope: Attribute does not exist in the schema." in message,
              f"an attribute outside the schema: {code} {message}")
        sub = idp.sign_up(ClientId=app, Username="ana@acme", Password="Correct-Horse-9",
                          UserAttributes=[{"Name": "email", "Value": "ana@acme.test"}])["UserSub"]
        idp.admin_update_user_attributes(UserPoolId=pool, Username="ana@acme",
                                         UserAttributes=[{"Name": "custom:tenant_id", "Value": "acme"}])
        code, _ = error_code(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "ana@acme", "PASSWORD": "Correct-Horse-9"})
        check(code == "UserNotConfirmedException", f"sign-in before confirming: {code}")
        mailed = srv.control(f"/_fake/cognito/confirmation-code?client_id={app}&username=ana@acme")["code"]
        code, _ = error_code(idp.confirm_sign_up, ClientId=app, Username="ana@acme", ConfirmationCode="000000" if mailed != "000000" else "111111")
        check(code == "CodeMismatchException", f"a wrong code: {code}")
        idp.confirm_sign_up(ClientId=app, Username="ana@acme", ConfirmationCode=mailed)
        code, _ = error_code(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "ana@acme", "PASSWORD": "wrong-password-1"})
        check(code == "NotAuthorizedException", code)
        auth = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "ana@acme", "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]
        with urllib.request.urlopen(f"{srv.endpoint}/{pool}/.well-known/jwks.json") as r:
            jwks = json.loads(r.read())
        claims = verify_rs256(auth["IdToken"], jwks)
        check(claims["custom:tenant_id"] == "acme" and claims["aud"] == app and claims["sub"] == sub, f"claims {claims}")
        check(claims["token_use"] == "id" and claims["iss"].endswith("/" + pool), f"claims {claims}")
        with urllib.request.urlopen(f"{srv.endpoint}/{pool}/.well-known/openid-configuration") as r:
            oidc = json.loads(r.read())
        check(oidc["issuer"] == claims["iss"] and oidc["jwks_uri"].endswith(f"/{pool}/.well-known/jwks.json"), f"oidc {oidc}")
        # A user may not rewrite their own tenant claim (WriteAttributes leaves it out).
        code, _ = error_code(idp.update_user_attributes, AccessToken=auth["AccessToken"],
                             UserAttributes=[{"Name": "custom:tenant_id", "Value": "globex"}])
        check(code == "NotAuthorizedException", f"rewriting custom:tenant_id: {code}")
        idp.create_group(UserPoolId=pool, GroupName="admins")
        idp.admin_add_user_to_group(UserPoolId=pool, Username="ana@acme", GroupName="admins")
        # The listings an onboarding script reads (this fake answered UnknownOperationException).
        check([p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [pool], "list_user_pools")
        check([c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"]] == [app],
              "list_user_pool_clients")
        check(idp.describe_user_pool_client(UserPoolId=pool, ClientId=app)["UserPoolClient"]["ClientName"] == "web",
              "describe_user_pool_client")
        code, _ = error_code(idp.describe_user_pool_client, UserPoolId=pool, ClientId="nope")
        check(code == "ResourceNotFoundException", f"an unknown client: {code}")
        check([g["GroupName"] for g in idp.list_groups(UserPoolId=pool)["Groups"]] == ["admins"], "list_groups")
        check([u["Username"] for u in idp.list_users_in_group(UserPoolId=pool, GroupName="admins")["Users"]] == ["ana@acme"],
              "list_users_in_group")
        code, _ = error_code(idp.list_users_in_group, UserPoolId=pool, GroupName="nobody")
        check(code == "ResourceNotFoundException", f"an unknown group: {code}")
        # An admin confirms a sign-up without its code (the public sample's set-up does): the user
        # signs in, the e-mail stays unverified, and a second confirmation is refused.
        idp.sign_up(ClientId=app, Username="bo@acme", Password="Correct-Horse-8")
        idp.admin_confirm_sign_up(UserPoolId=pool, Username="bo@acme")
        bo = idp.admin_get_user(UserPoolId=pool, Username="bo@acme")
        check(bo["UserStatus"] == "CONFIRMED" and
              {a["Name"]: a["Value"] for a in bo["UserAttributes"]}.get("email_verified") != "true", f"confirmed: {bo}")
        idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "bo@acme", "PASSWORD": "Correct-Horse-8"})
        code, _ = error_code(idp.admin_confirm_sign_up, UserPoolId=pool, Username="bo@acme")
        check(code == "NotAuthorizedException", f"confirming twice: {code}")
        code, _ = error_code(idp.admin_confirm_sign_up, UserPoolId=pool, Username="nobody@acme")
        check(code == "UserNotFoundException", f"confirming an unknown user: {code}")
        idp.admin_delete_user(UserPoolId=pool, Username="bo@acme")  # the listings below count ana's
        fresh = idp.initiate_auth(ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"]})["AuthenticationResult"]
        check(verify_rs256(fresh["IdToken"], jwks)["cognito:groups"] == ["admins"], "the refreshed token carries the new group")
        for i in range(3):
            idp.admin_create_user(UserPoolId=pool, Username=f"user{i}@acme", TemporaryPassword="Temp-Password-1",
                                  UserAttributes=[{"Name": "custom:tenant_id", "Value": "acme" if i else "globex"}])
        # Without a TemporaryPassword, Cognito generates one (and e-mails it): the user must choose
        # its own at the first sign-in. This fake refused the call before.
        made = idp.admin_create_user(UserPoolId=pool, Username="zed@acme", MessageAction="SUPPRESS")["User"]
        check(made["UserStatus"] == "FORCE_CHANGE_PASSWORD", f"a generated password is temporary: {made}")
        temporary = srv.control(f"/_fake/cognito/temporary-password?user_pool_id={pool}&username=zed@acme")["temporary_password"]
        challenge = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": "zed@acme", "PASSWORD": temporary})
        check(challenge.get("ChallengeName") == "NEW_PASSWORD_REQUIRED", f"first sign-in: {challenge}")
        code, _ = error_code(idp.admin_create_user, UserPoolId=pool, Username="yan@acme", MessageAction="LOUD")
        check(code == "InvalidParameterException", f"an unknown MessageAction: {code}")
        idp.admin_delete_user(UserPoolId=pool, Username="zed@acme")
        names = [u["Username"] for page in idp.get_paginator("list_users").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 2})
                 for u in page["Users"]]
        check(names == sorted(names) and len(names) == 4, f"list_users pages: {names}")
        got = idp.list_users(UserPoolId=pool, Filter='username ^= "user"')["Users"]
        check(len(got) == 3, f"filter: {got}")
        # Cognito filters on standard attributes only: a tenant id is not searchable (an app must keep
        # its own index), and an unquoted value is not a filter.
        for bad in ('custom:tenant_id = "acme"', "username = user0@acme", "username"):
            code, answer = error_code(idp.list_users, UserPoolId=pool, Filter=bad)
            check(code == "InvalidParameterException", f"filter {bad!r}: {code} {answer['Error']['Message']}")
        check(len(idp.list_users(UserPoolId=pool, Filter='status = "Enabled"')["Users"]) == 4, "status filter")
        code, _ = error_code(idp.initiate_auth, ClientId=app, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "ana@acme", "SRP_A": "0"})
        check(code == "InvalidParameterException", f"SRP_A = 0: {code}")
        code, _ = error_code(client(srv.endpoint, "AKIDTENANTSIMTEST01", secret="wrong", service="cognito-idp").list_users,
                             UserPoolId=pool)
        check(code == "InvalidSignatureException", f"an admin call with a bad signature: {code}")


def case_cognito_revocation(binary):
    """Taking access away as Cognito does: a disabled user cannot sign in or refresh; a global
    sign-out (admin or the user's own) and RevokeToken end the refresh tokens and the access tokens'
    use with the pool's API, while ID tokens stay valid until they expire (a verifier cannot know)."""
    with FakesServe(binary) as srv:
        idp = client(srv.endpoint, service="cognito-idp")
        pool = idp.create_user_pool(PoolName="revocation")["UserPool"]["Id"]
        app = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
        other = idp.create_user_pool_client(UserPoolId=pool, ClientName="other")["UserPoolClient"]["ClientId"]

        def sign_in(user, client_id=app):
            return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": user, "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]

        def refresh(token, client_id=app):
            """(error code or None, answer) of a refresh."""
            try:
                return None, idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                               AuthParameters={"REFRESH_TOKEN": token})
            except ClientError as e:
                return e.response["Error"]["Code"], e.response

        for user in ("ana@acme", "bo@acme", "cy@acme"):
            idp.admin_create_user(UserPoolId=pool, Username=user, TemporaryPassword="Temp-Password-1", MessageAction="SUPPRESS")
            idp.admin_set_user_password(UserPoolId=pool, Username=user, Password="Correct-Horse-9", Permanent=True)
        ana = sign_in("ana@acme")
        idp.admin_disable_user(UserPoolId=pool, Username="ana@acme")
        check(idp.admin_get_user(UserPoolId=pool, Username="ana@acme")["Enabled"] is False, "AdminGetUser says disabled")
        code, answer = error_code(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "ana@acme", "PASSWORD": "Correct-Horse-9"})
        check(code == "NotAuthorizedException" and answer["Error"]["Message"] == "User is disabled.",
              f"a disabled user signs in: {code} {answer['Error']['Message']}")
        code, _ = refresh(ana["RefreshToken"])
        check(code == "NotAuthorizedException", f"a disabled user refreshes: {code}")
        check(idp.get_user(AccessToken=ana["AccessToken"])["Username"] == "ana@acme",
              "a disabled user's access token lives until it expires, as in Cognito")
        idp.admin_enable_user(UserPoolId=pool, Username="ana@acme")
        check(idp.admin_get_user(UserPoolId=pool, Username="ana@acme")["Enabled"] is True, "enabled again")
        check(refresh(ana["RefreshToken"])[0] is None, "enabled again: the refresh token works")
        code, _ = error_code(idp.admin_disable_user, UserPoolId=pool, Username="nobody@acme")
        check(code == "UserNotFoundException", f"disabling an unknown user: {code}")

        bo = sign_in("bo@acme")
        idp.admin_user_global_sign_out(UserPoolId=pool, Username="bo@acme")
        check(refresh(bo["RefreshToken"])[0] == "NotAuthorizedException", "after AdminUserGlobalSignOut the refresh token is dead")
        code, _ = error_code(idp.get_user, AccessToken=bo["AccessToken"])
        check(code == "NotAuthorizedException", f"after AdminUserGlobalSignOut the access token with GetUser: {code}")
        bo = sign_in("bo@acme")  # a new sign-in works
        idp.global_sign_out(AccessToken=bo["AccessToken"])
        check(refresh(bo["RefreshToken"])[0] == "NotAuthorizedException", "after GlobalSignOut the refresh token is dead")

        cy, cy_other = sign_in("cy@acme"), sign_in("cy@acme", other)
        code, _ = error_code(idp.revoke_token, ClientId=other, Token=cy["RefreshToken"])
        check(code == "UnauthorizedException", f"revoking another client's token: {code}")
        idp.revoke_token(ClientId=app, Token=cy["RefreshToken"])
        idp.revoke_token(ClientId=app, Token=cy["RefreshToken"])  # revoked already: revoked
        check(refresh(cy["RefreshToken"])[0] == "NotAuthorizedException", "a revoked refresh token")
        check(error_code(idp.get_user, AccessToken=cy["AccessToken"])[0] == "NotAuthorizedException",
              "the access token made with a revoked refresh token")
        check(refresh(cy_other["RefreshToken"], other)[0] is None, "the user's other sessions are left alone")
        check(idp.get_user(AccessToken=cy_other["AccessToken"])["Username"] == "cy@acme", "their access tokens too")


def run_node(script, srv):
    """Runs tests/peers/SCRIPT under node against the server, signing as AKIDTENANTSIMTEST01."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", script)
    r = subprocess.run(["node", path, srv.endpoint, "AKIDTENANTSIMTEST01", KEYS["AKIDTENANTSIMTEST01"]["secret"]],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, TENANTSIM_CONTROL_SECRET=srv.control_secret))
    check(r.returncode == 0, f"node: {r.returncode}\n{r.stdout}\n{r.stderr}")
    print(r.stdout.strip())


def case_js_sdk_v3(binary):
    """The AWS SDK for JavaScript v3 (npm, tests/peers) under node."""
    with FakesServe(binary) as srv:
        run_node("sdk_v3_clients.mjs", srv)


def case_cognito_identity_js(binary):
    """amazon-cognito-identity-js (npm, tests/peers) under node: what a web frontend runs to sign in
    (USER_SRP_AUTH), then the CORS preflight a browser sends before it may call the service."""
    import urllib.request

    with FakesServe(binary) as srv:
        run_node("cognito_identity_js.mjs", srv)
        req = urllib.request.Request(srv.endpoint + "/", method="OPTIONS", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent,cache-control"})
        with urllib.request.urlopen(req) as resp:
            allowed = {k.lower(): v for k, v in resp.headers.items()}
        check(allowed.get("access-control-allow-origin") == "http://localhost:5173", f"preflight: {allowed}")
        check("x-amz-target" in allowed.get("access-control-allow-headers", "").lower(), f"preflight: {allowed}")
        req = urllib.request.Request(srv.endpoint + "/", method="POST", data=b"{}", headers={
            "Origin": "http://localhost:5173", "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"})
        try:
            urllib.request.urlopen(req)
            raise AssertionError("an InitiateAuth without a client id succeeded")
        except urllib.error.HTTPError as e:
            check(e.headers.get("Access-Control-Allow-Origin") == "http://localhost:5173",
                  f"an error answer a page may read: {dict(e.headers)}")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(f"usage: {sys.argv[0]} TENANTSIM CASE  (cases: {', '.join(CASES)})", file=sys.stderr)
        sys.exit(2)
    CASES[sys.argv[2]](sys.argv[1])
    print(f"ok {sys.argv[2]}")
