"""Event threads: group articles about one event (batch and online, one similarity core).

- `cluster_batch(articles, config=None) -> list[list[Article]]`
- `OnlineClusterer(config=None)`: `add`, `remove`, `groups`, `recluster`

See `similarity` for the similarity, `linkage` for the grouping, `config` for the numbers.
"""

from newsthread.cluster.batch import cluster_batch
from newsthread.cluster.config import DEFAULT_CONFIG, ClusterConfig
from newsthread.cluster.online import OnlineClusterer

__all__ = ["DEFAULT_CONFIG", "ClusterConfig", "OnlineClusterer", "cluster_batch"]
