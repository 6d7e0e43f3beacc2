#pragma once
// Prometheus text exposition format 0.0.4 for GET /metrics.
#include <string>
#include <string_view>

#include "control/rest/api.hpp"
#include "control/rest/backend.hpp"

namespace strato::rest {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// counters may be null (no server self-metrics).
std::string render_metrics(const stats_snapshot& stats, const health_status& health,
                           const server_counters* counters);

// Label value escaping of the exposition format: \ " and newline.
std::string escape_label_value(std::string_view value);

}  // namespace strato::rest
