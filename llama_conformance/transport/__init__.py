"""Run the behavioural suites over HTTP: the same checks, a server instead of an object.

``remote_impl`` gives an object with the protocol's members whose calls are HTTP requests
to the routes the contract maps them to (``contract.routes``); ``client`` keeps every
request on the one target host with a budget; ``sse`` parses event streams as they
arrive; ``wire``: each call's answer carries the JSON its value was parsed from (validation
judges what was on the wire) and the call's HTTP findings; ``asgi`` mounts the package's
routers over an in-process provider, the fast path the kit's own tests use instead of a
server process.
"""
