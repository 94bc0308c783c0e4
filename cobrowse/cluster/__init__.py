"""Several relay nodes over Redis (cluster mode; see :mod:`cobrowse.cluster.node`).

Parts: :mod:`~cobrowse.cluster.node` (this node's :class:`Cluster`: lifetimes,
joining, dispatch of bus messages), :mod:`~cobrowse.cluster.wire` (the bus
message kinds and control ops), :mod:`~cobrowse.cluster.owner` (the owner's
side: publishing frames, acting on control ops, rosters, writing back after a
Redis loss), :mod:`~cobrowse.cluster.replica` (a copy of another node's
session), :mod:`~cobrowse.cluster.ownership` (the compare-and-set owner record:
heartbeats, take-overs, stepping down) with :mod:`~cobrowse.cluster.handover`
(rebuilding the page on the new owner), :mod:`~cobrowse.cluster.logins`
(advisor logins on every node).
"""

from cobrowse.cluster.node import RECONNECTING, Cluster

__all__ = ["RECONNECTING", "Cluster"]
