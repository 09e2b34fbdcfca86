"""System metrics: data pushed through the management API or polled from Prometheus, kept in
buckets, and drawn on the status page and the pods' pages as server-rendered SVG charts."""
