"""Several relay nodes over Redis (cluster mode; see :mod:`cobrowse.cluster.node`).

Parts: :mod:`~cobrowse.cluster.node` (this node's :class:`Cluster`: shared
codes and tokens, cross-node fan-out), :mod:`~cobrowse.cluster.replica` (a
copy of another node's session), :mod:`~cobrowse.cluster.owner` (the owner's
side: rosters, writing back after a Redis loss), :mod:`~cobrowse.cluster.ownership`
and :mod:`~cobrowse.cluster.handover` (moving a session to another node),
:mod:`~cobrowse.cluster.logins` (advisor logins on every node).
"""

from cobrowse.cluster.node import CLUSTER, RECONNECTING, Cluster

__all__ = ["CLUSTER", "RECONNECTING", "Cluster"]
