"""ogx 1.5's conversations and prompts services in-process, built the way its Stack builds them.

Conversations and prompts have no provider type in ogx 1.5's registry: they are core services of
the server, mounted when it serves ``responses`` (``RESPONSES_IMPLIED_APIS``). Over HTTP their real
target is ``ogx run`` with the offline 10-API config, judged test by test in
``test_real_servers_http.py`` (``SERVICE_FINDINGS``): there their not-found answers are FastAPI's
``{"detail": ...}``, not the declared ``OpenAIErrorResponse`` (``http.error.body``, MUST), and that
failure stops those tests before their other checks. So the same two services are also built here,
in-process (``ogx.core.conversations`` / ``ogx.core.prompts`` over a sqlite store, through a small
provider package written for the run): they pass every suite, structure included, with only the
``prompts.answer-default`` SHOULD finding (``create_prompt`` and ``update_prompt`` with
``set_as_default`` answer ``is_default=false`` although that version is stored as the default).
"""

from __future__ import annotations

import textwrap

import pytest
from kitrun import KitRun, needs_ogx

pytestmark = pytest.mark.slow


# A provider package for the kit (``--llama-provider-module``): ogx's core services, built the
# way ogx's Stack builds them (a StackConfig naming their sqlite stores), as ``inline::ogx-core``.
CORE_SERVICES = textwrap.dedent('''
    import importlib
    import os
    import tempfile
    from typing import Any

    from ogx_api import Api, InlineProviderSpec
    from pydantic import BaseModel

    SERVICES = {"conversations": ("ConversationServiceConfig", "ConversationServiceImpl"),
                "prompts": ("PromptServiceConfig", "PromptServiceImpl")}


    class CoreServiceConfig(BaseModel):
        state_dir: str = ""


    def stack_config(state_dir: str) -> Any:
        import ogx.core.storage.datatypes as storage
        from ogx.core.datatypes import StackConfig
        from ogx.core.storage.sqlstore.sqlstore import register_sqlstore_backends

        sql = storage.SqliteSqlStoreConfig(db_path=os.path.join(state_dir, "sql_store.db"))
        kv = storage.SqliteKVStoreConfig(db_path=os.path.join(state_dir, "kvstore.db"))
        register_sqlstore_backends({"sql_default": sql})
        stores = storage.ServerStoresConfig(
            metadata=storage.KVStoreReference(backend="kv_default", namespace="registry"),
            conversations=storage.SqlStoreReference(backend="sql_default", table_name="openai_conversations"),
            prompts=storage.SqlStoreReference(backend="sql_default", table_name="prompts"))
        return StackConfig(distro_name="kit-core-services", providers={},
                           storage=storage.StorageConfig(backends={"sql_default": sql, "kv_default": kv},
                                                         stores=stores))


    async def build(api: str, config: CoreServiceConfig) -> Any:
        module = importlib.import_module(f"ogx.core.{api}.{api}")
        config_name, impl_name = SERVICES[api]
        stack = stack_config(config.state_dir or tempfile.mkdtemp(prefix=f"kit-ogx-{api}-", dir="."))  # pytester's dir
        impl = getattr(module, impl_name)(getattr(module, config_name)(config=stack), {})
        await impl.initialize()
        return impl


    def get_provider_spec() -> list[Any]:
        return [InlineProviderSpec(api=Api(api), provider_type="inline::ogx-core",
                                   module=f"ogx_core_services.{api}",
                                   config_class="ogx_core_services.provider.CoreServiceConfig")
                for api in SERVICES]
''')
SERVICE_MODULE = textwrap.dedent('''
    from ogx_core_services.provider import build


    async def get_provider_impl(config, deps):
        return await build({api!r}, config)
''')


@needs_ogx
@pytest.mark.parametrize(("api", "passed", "warnings"), [
    ("conversations", 18, set()),
    ("prompts", 14, {("test_create_get_list", "SHOULD", "prompts.answer-default"),
                     ("test_versions_and_default", "SHOULD", "prompts.answer-default")}),
])
def test_ogx_core_service_in_process(pytester: pytest.Pytester, api: str, passed: int,
                                     warnings: set[tuple[str, str, str]]) -> None:
    """ogx's own conversations / prompts services pass every suite in-process (no HTTP envelope)."""
    package = pytester.path / "ogx_core_services"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "provider.py").write_text(CORE_SERVICES)
    for name in ("conversations", "prompts"):
        (package / f"{name}.py").write_text(SERVICE_MODULE.format(api=name))
    result = pytester.runpytest_subprocess("--llama-provider=inline::ogx-core",
                                           "--llama-provider-module=ogx_core_services", f"--llama-api={api}",
                                           "-p", "no:asyncio", "-v", "-rA", timeout=600)
    run = KitRun.parse(result)
    run.expect(passed=passed, warnings=warnings)
