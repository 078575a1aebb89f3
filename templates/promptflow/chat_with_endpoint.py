"""Prompt flow tool: one chat turn against the Azure ML endpoint amlft deployed.

The endpoint URL and key come from the workspace "Custom keys" connection the amlft deploy action writes
(connection-name): configs["endpoint"] is the scoring URI, secrets["key"] the endpoint key.

api_format "aml-chat" (managed online endpoint): {"input_data": {"input_string": [...], "parameters": {...}}}
answered by {"output": "..."} (text-generation models answer [{"0": "..."}] or {"0": "..."}: accepted too).
api_format "openai-chat" (serverless endpoint): POST <endpoint>/v1/chat/completions.
"""

import json
import urllib.error
import urllib.request

from promptflow.connections import CustomConnection

try:  # promptflow >= 1.10 ships the decorator in promptflow.core
    from promptflow.core import tool
except ImportError:  # older promptflow
    from promptflow import tool

TIMEOUT_SECONDS = 180


def build_messages(chat_history, question, system_prompt=""):
    """Prompt flow chat history ([{"inputs": {"question"}, "outputs": {"answer"}}]) plus the new question, as chat messages."""
    messages = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    for turn in chat_history or []:
        asked = (turn.get("inputs") or {}).get("question")
        answered = (turn.get("outputs") or {}).get("answer")
        if asked:
            messages.append({"role": "user", "content": str(asked)})
        if answered:
            messages.append({"role": "assistant", "content": str(answered)})
    messages.append({"role": "user", "content": str(question)})
    return messages


def answer_text(body):
    """The reply in any shape the endpoint answers with."""
    if isinstance(body, list) and body:
        return answer_text(body[0])
    if isinstance(body, dict):
        if isinstance(body.get("output"), str):
            return body["output"]
        if isinstance(body.get("0"), str):
            return body["0"]
        choices = body.get("choices")
        if isinstance(choices, list) and choices:
            content = (choices[0].get("message") or {}).get("content")
            if isinstance(content, str):
                return content
    if isinstance(body, str):
        return body
    raise ValueError("the endpoint's answer has no text in a known shape (output, 0, choices[0].message.content)")


def request_for(endpoint, api_format, messages, temperature, max_new_tokens):
    """URL and JSON body for the endpoint's API format."""
    if api_format == "openai-chat":
        url = endpoint.rstrip("/")
        if not url.endswith("/chat/completions"):
            url += "/v1/chat/completions"
        return url, {"messages": messages, "temperature": temperature, "max_tokens": max_new_tokens}
    if api_format == "aml-chat":
        return endpoint, {"input_data": {"input_string": messages, "parameters": {"temperature": temperature, "max_new_tokens": max_new_tokens}}}
    raise ValueError(f"api_format must be aml-chat or openai-chat, not {api_format!r}")


def call_endpoint(endpoint, key, messages, temperature=0.7, max_new_tokens=256, api_format="aml-chat", deployment=""):
    url, body = request_for(endpoint, api_format, messages, temperature, max_new_tokens)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    if deployment:
        headers["azureml-model-deployment"] = deployment
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return answer_text(json.loads(response.read().decode("utf-8")))
    except urllib.error.HTTPError as error:
        # Never the key: only the status and the service's own message.
        detail = error.read().decode("utf-8", "replace")[:500]
        raise RuntimeError(f"the endpoint answered HTTP {error.code}: {detail}") from None


@tool
def chat_with_endpoint(
    connection: CustomConnection,
    chat_history: list,
    question: str,
    system_prompt: str = "",
    temperature: float = 0.7,
    max_new_tokens: int = 256,
    api_format: str = "aml-chat",
    deployment: str = "",
) -> str:
    endpoint = connection.configs["endpoint"]
    key = connection.secrets["key"]
    messages = build_messages(chat_history, question, system_prompt)
    return call_endpoint(endpoint, key, messages, temperature, max_new_tokens, api_format, deployment)
