"""The gRPC service ``bpdao.v1.Node``: submit txs through the local node, read committed state."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from concurrent import futures
from typing import Any, NoReturn

import grpc

from abci_app.cometbft_rpc import CheckResult, CometRpc, CommittedTx, NodeRpcError, NodeUnreachable, tx_hash
from abci_app.pb.bpdao.v1 import query_pb2 as pb
from abci_app.pb.bpdao.v1 import query_pb2_grpc as pb_grpc
from abci_app.rpc import paths
from abci_app.rpc.app_reader import AppReader, QueryAnswer, QueryFailed

log = logging.getLogger("bpdao.grpc")

DEFAULT_COMMIT_WAIT = 30.0


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("unreachable: context.abort raises")


def _check_result(check: CheckResult) -> pb.TxResult:
    return pb.TxResult(code=check.code, codespace=check.codespace, log=check.log)


def _deliver_result(tx: CommittedTx) -> pb.TxResult:
    return pb.TxResult(code=tx.code, codespace=tx.codespace, log=tx.log)


class NodeService(pb_grpc.NodeServicer):  # type: ignore[misc]
    def __init__(
        self, reader: AppReader, node: CometRpc, chain_id: str, param_modules: Sequence[str] = ()
    ) -> None:
        self._reader = reader
        self._node = node
        self._chain_id = chain_id
        self._param_modules = tuple(param_modules)

    def _query(self, context: grpc.ServicerContext, path: str, args: dict[str, Any]) -> QueryAnswer:
        return self._query_many(context, [(path, args)])[0]

    def _query_many(
        self,
        context: grpc.ServicerContext,
        queries: Sequence[tuple[str, dict[str, Any]]],
        pending: Sequence[tuple[str, dict[str, Any]]] = (),
    ) -> list[QueryAnswer]:
        try:
            return self._reader.query_many(queries, pending=pending)
        except QueryFailed as exc:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except TimeoutError:
            _abort(context, grpc.StatusCode.UNAVAILABLE, "the app did not answer in time")

    def BroadcastTx(
        self, request: pb.BroadcastTxRequest, context: grpc.ServicerContext
    ) -> pb.BroadcastTxResponse:
        if not request.tx:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "empty tx")
        hash_ = tx_hash(request.tx)
        try:
            check = self._node.broadcast_tx_sync(request.tx)
        except NodeUnreachable as exc:
            _abort(context, grpc.StatusCode.UNAVAILABLE, str(exc))
        except NodeRpcError as exc:
            # e.g. "tx already exists in cache", "mempool is full", node still catching up
            _abort(context, grpc.StatusCode.FAILED_PRECONDITION, f"node refused the tx: {exc}")
        response = pb.BroadcastTxResponse(hash=hash_, check=_check_result(check))
        if check.code != 0 or not request.wait_for_commit:
            return response
        remaining = context.time_remaining()
        wait = DEFAULT_COMMIT_WAIT if remaining is None else max(0.0, remaining - 0.2)
        try:
            committed = self._node.wait_for_tx(hash_, timeout=wait)
        except (NodeUnreachable, NodeRpcError) as exc:
            _abort(context, grpc.StatusCode.UNAVAILABLE, f"lost the node while waiting for the tx: {exc}")
        if committed is None:
            _abort(
                context,
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"tx {hash_.hex().upper()} passed CheckTx but was not committed within {wait:.1f}s",
            )
        response.committed = True
        response.height = committed.height
        response.deliver.CopyFrom(_deliver_result(committed))
        return response

    def Account(self, request: pb.AccountRequest, context: grpc.ServicerContext) -> pb.AccountResponse:
        args = {"address": request.address}
        account, balance, pending = self._query_many(
            context, [(paths.ACCOUNT, args), (paths.BALANCE, args)], pending=[(paths.ACCOUNT, args)]
        )
        fields = paths.account_fields(account.value, balance.value)
        return pb.AccountResponse(
            address=request.address,
            balance=str(fields.balance),
            nonce=fields.nonce,
            pub_key=fields.pub_key,
            height=balance.height,
            next_nonce=int(pending.value["nonce"]),
        )

    def Params(self, request: pb.ParamsRequest, context: grpc.ServicerContext) -> pb.ParamsResponse:
        """``{"app": /app/params, "<module>": /<module>/params, …}``, all at one committed height."""
        names = ["app", *self._param_modules]
        answers = self._query_many(context, [(paths.module_params(name), {}) for name in names])
        values = {name: answer.value for name, answer in zip(names, answers, strict=True)}
        return pb.ParamsResponse(json=json.dumps(values, sort_keys=True), height=answers[0].height)

    def Status(self, request: pb.StatusRequest, context: grpc.ServicerContext) -> pb.StatusResponse:
        try:
            info = self._reader.info()
        except TimeoutError:
            _abort(context, grpc.StatusCode.UNAVAILABLE, "the app did not answer in time")
        response = pb.StatusResponse(
            chain_id=self._chain_id, app_height=info.height, app_hash=info.app_hash, node_height=-1
        )
        try:
            status = self._node.status()
        except (NodeUnreachable, NodeRpcError) as exc:
            log.debug("node status unavailable: %s", exc)
            return response
        response.node_height = int(status["sync_info"]["latest_block_height"])
        response.node_catching_up = bool(status["sync_info"]["catching_up"])
        response.node_id = str(status["node_info"]["id"])
        return response

    def Query(self, request: pb.QueryRequest, context: grpc.ServicerContext) -> pb.QueryResponse:
        try:
            args = json.loads(request.json) if request.json else {}
        except ValueError as exc:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"query arguments are not JSON: {exc}")
        if not isinstance(args, dict):
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, "query arguments must be a JSON object")
        answer = self._query(context, request.path, args)
        return pb.QueryResponse(json=json.dumps(answer.value, sort_keys=True), height=answer.height)


def start_grpc_server(address: str, service: NodeService, workers: int = 4) -> grpc.Server:
    """Bind and start the server (``host:port``); raises if the address cannot be bound."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"))
    pb_grpc.add_NodeServicer_to_server(service, server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise OSError(f"cannot bind the gRPC server to {address}: {exc}") from None
    if port == 0:
        raise OSError(f"cannot bind the gRPC server to {address}")
    server.start()
    return server
