// The schema rows: every config key, its type, range, default (the struct's
// member initializer), whether a running stratod can take a new value, its
// validator and its documentation. Cross-field rules are in
// config_validate.cpp.
#include "control/config_schema.hpp"

#include <array>

namespace strato::control::schema {
namespace {

using values::check_result;

// ---- validators ----------------------------------------------------------

const char* dh_group(std::int64_t g) {
    // RFC 7425 §4.2: groups 1, 2, 5, 14 and 16 may be offered.
    return g == 1 || g == 2 || g == 5 || g == 14 || g == 16
               ? nullptr
               : "is not a supported DH group (1, 2, 5, 14, 16)";
}

const char* power_of_two_minus_one(std::int64_t n) {
    // rte_mempool is most memory-efficient at 2^q - 1 elements.
    return ((n + 1) & n) == 0 ? nullptr : "is not a power of two minus one (e.g. 16383)";
}

const char* power_of_two(std::int64_t n) {
    // The bucket index is a mask of the prefix hash.
    return n > 0 && (n & (n - 1)) == 0 ? nullptr : "is not a power of two";
}

check_result check_device(std::string_view t) {
    device_kind k{};
    return values::parse_device(t, k);
}
check_result check_ipv4(std::string_view t) {
    ipv4_prefix p;
    return values::parse_ipv4_prefix(t, p);
}
check_result check_ipv6(std::string_view t) {
    ipv6_prefix p;
    return values::parse_ipv6_prefix(t, p);
}
check_result check_mac(std::string_view t) {
    mac_address m;
    return values::parse_mac(t, m);
}
check_result check_listen(std::string_view t) {
    listen_address a;
    return values::parse_listen(t, a);
}
check_result check_log_level(std::string_view t) {
    log_level l{};
    return values::parse_log_level(t, l);
}

template <class P, check_result (*Parse)(std::string_view, P&)>
std::vector<P> parse_all(const value& v) {
    std::vector<P> out;
    for (const auto& text : std::get<std::vector<std::string>>(v)) {
        P p{};
        (void)Parse(text, p);   // already checked
        out.push_back(p);
    }
    return out;
}

template <class P>
value render_all(const std::vector<P>& list) {
    std::vector<std::string> out;
    for (const auto& p : list) out.push_back(to_string(p));
    return out;
}

constexpr std::int64_t max_u32 = 4294967295;

// ---- [eal] ---------------------------------------------------------------

constexpr std::array eal_rows{
    string_list<&eal_config::args_>(
        "args", values::check_eal_arg, reload::no,
        "Arguments for DPDK's EAL (rte_eal_init, after argv[0]), e.g. [\"-l\", \"0-1\", "
        "\"--no-huge\"]. The lcore list must cover workers.main_lcore and workers.lcores."),
};

// ---- [[ports]] -----------------------------------------------------------

constexpr std::array port_rows{
    key<port_config>{
        "device", kind::string, 0, 0, required, reload::no, check_device, nullptr,
        [](const port_config& p) -> value { return p.device_; },
        [](port_config& p, const value& v) {
            p.device_ = std::get<std::string>(v);
            (void)values::parse_device(p.device_, p.kind_);
        },
        "A PCI address (0000:3b:00.0, optionally followed by ,key=value devargs) or a "
        "vdev string (net_null0, net_ring0, net_af_packet0,iface=veth0, "
        "net_tap0,iface=strato0, net_memif0,role=server, ...)."},
    key<port_config>{
        "ipv4", kind::string_list, 0, 0, unique, reload::no, check_ipv4, nullptr,
        [](const port_config& p) { return render_all(p.ipv4_); },
        [](port_config& p, const value& v) {
            p.ipv4_ = parse_all<ipv4_prefix, values::parse_ipv4_prefix>(v);
        },
        "IPv4 addresses the dataplane owns on this port, as address/prefix "
        "(198.18.0.1/24): answers ARP and ping for them, serves RTMFP on them."},
    key<port_config>{
        "ipv6", kind::string_list, 0, 0, unique, reload::no, check_ipv6, nullptr,
        [](const port_config& p) { return render_all(p.ipv6_); },
        [](port_config& p, const value& v) {
            p.ipv6_ = parse_all<ipv6_prefix, values::parse_ipv6_prefix>(v);
        },
        "IPv6 addresses the dataplane owns on this port, as address/prefix "
        "(2001:db8::1/64): answers Neighbor Discovery and ping6 for them."},
    key<port_config>{
        "mac", kind::string, 0, 0, none, reload::no, check_mac, nullptr,
        [](const port_config& p) -> value {
            if (!p.mac_) return std::monostate{};
            return to_string(*p.mac_);
        },
        [](port_config& p, const value& v) {
            mac_address m;
            (void)values::parse_mac(std::get<std::string>(v), m);
            p.mac_ = m;
        },
        "Unicast MAC address to set on the port. Default: the port's own."},
    integer<&port_config::vlan_>("vlan", 0, 4094, reload::no,
                                 "802.1Q VLAN ID of this port's traffic. Default: untagged."),
    key<port_config>{
        "rx_queues", kind::integer, 1, 1024, none, reload::no, nullptr, nullptr,
        [](const port_config& p) -> value {
            if (p.rx_queues_ == 0) return std::monostate{};
            return std::int64_t{p.rx_queues_};
        },
        [](port_config& p, const value& v) {
            p.rx_queues_ = static_cast<std::uint16_t>(std::get<std::int64_t>(v));
        },
        "RX queues to open, spread by RSS. Default: one per worker lcore (and with "
        "automatic queue assignment it must equal the number of worker lcores)."},
    integer<&port_config::mtu_>("mtu", 576, 9600, reload::no,
                                "IP MTU of the port; larger frames need a larger "
                                "mempool.mbuf_data_size."),
};

// ---- [server] ------------------------------------------------------------

constexpr std::array server_rows{
    integer_list<&server_config::udp_ports_>(
        "udp_ports", 1, 65535, reload::no,
        "UDP ports RTMFP is served on, on every address (1935 is RTMFP's usual port).",
        non_empty | unique),
    string<&server_config::hostname_>(
        "hostname", values::check_hostname, reload::yes,
        "Host name this server answers to in an IHello's URI endpoint discriminator "
        "(rtmfp://hostname[:port]/app). Default: any host, only the app path is matched."),
    integer_list<&server_config::certificate_dh_groups_>(
        "certificate_dh_groups", 1, 16, reload::yes,
        "Diffie-Hellman groups advertised in the server certificate (RFC 7425 §4.2), a "
        "subset of 1, 2, 5, 14, 16 that includes 2 (the group every client supports). "
        "Fewer and smaller groups give more handshakes per second.",
        non_empty | unique, dh_group),
    key<server_config>{
        "log_level", kind::string, 0, 0, none, reload::yes, check_log_level, nullptr,
        [](const server_config& s) -> value { return std::string(to_string(s.log_level_)); },
        [](server_config& s, const value& v) {
            (void)values::parse_log_level(std::get<std::string>(v), s.log_level_);
        },
        "Least severe log message written: error, warn, info or debug."},
    integer<&server_config::stats_interval_seconds_>(
        "stats_interval_seconds", 1, 3600, reload::yes,
        "Seconds between statistics summary lines in the foreground log."),
};

// ---- [workers] and [[workers.queues]] ------------------------------------

constexpr std::array workers_rows{
    integer_list<&workers_config::lcores_>(
        "lcores", 0, 1023, reload::no,
        "Worker lcore IDs, each polling RX queues run-to-completion. They must be "
        "enabled in the EAL arguments (-l/--lcores) and differ from main_lcore.",
        non_empty | unique),
    integer<&workers_config::main_lcore_>(
        "main_lcore", 0, 1023, reload::no,
        "The main lcore: runs the control plane (REST, timers, tables), never polls a NIC."),
    integer<&workers_config::burst_size_>("burst_size", 1, 256, reload::no,
                                          "Packets per RX/TX burst."),
    integer<&workers_config::tx_drain_us_>(
        "tx_drain_us", 1, 100000, reload::yes,
        "Microseconds a partly filled TX buffer may wait before it is sent anyway."),
};

constexpr std::array queue_rows{
    integer<&queue_assignment::lcore_>("lcore", 0, 1023, reload::no,
                                       "Worker lcore (one of workers.lcores).", required),
    integer<&queue_assignment::port_>("port", 0, 1023, reload::no,
                                      "Port index: position in [[ports]], from 0.", required),
    integer<&queue_assignment::queue_>("queue", 0, 1023, reload::no,
                                       "RX queue of that port, below its rx_queues.",
                                       required),
};

// ---- [mempool] -----------------------------------------------------------

constexpr std::array mempool_rows{
    integer<&mempool_config::mbufs_per_port_>(
        "mbufs_per_port", 511, 16777215, reload::no,
        "Packet buffers per port's pool, a power of two minus one (rte_mempool's best "
        "size). Keep it small (16383) with --no-huge.",
        none, power_of_two_minus_one),
    integer<&mempool_config::cache_size_>(
        "cache_size", 0, 512, reload::no,
        "Per-lcore mempool cache (RTE_MEMPOOL_CACHE_MAX_SIZE is 512); at most "
        "mbufs_per_port / 1.5."),
    integer<&mempool_config::mbuf_data_size_>(
        "mbuf_data_size", 1024, 65535, reload::no,
        "Bytes per mbuf data room including the 128-byte headroom; must hold a full "
        "frame of the largest port MTU."),
};

// ---- [handshake] ---------------------------------------------------------

constexpr std::array handshake_rows{
    integer<&handshake_config::cookie_secret_rotation_seconds_>(
        "cookie_secret_rotation_seconds", 30, 86400, reload::yes,
        "Seconds between rotations of the secret that signs stateless RHello cookies."),
    integer<&handshake_config::cookie_lifetime_seconds_>(
        "cookie_lifetime_seconds", 95, 3600, reload::yes,
        "Seconds a cookie stays acceptable in an IIKeying; at least 95 so that an "
        "initiator's whole retransmission schedule fits (RFC 7016 §3.5.1)."),
    integer<&handshake_config::rate_limit_ipv4_prefix_>(
        "rate_limit_ipv4_prefix", 8, 32, reload::yes,
        "IPv4 sources sharing this prefix length share one handshake token bucket."),
    integer<&handshake_config::rate_limit_ipv6_prefix_>(
        "rate_limit_ipv6_prefix", 32, 128, reload::yes,
        "IPv6 sources sharing this prefix length share one handshake token bucket."),
    integer<&handshake_config::rate_limit_per_second_>(
        "rate_limit_per_second", 1, 10000000, reload::yes,
        "Handshake replies per second allowed per source prefix (token bucket rate)."),
    integer<&handshake_config::rate_limit_burst_>(
        "rate_limit_burst", 1, 10000000, reload::yes,
        "Token bucket depth: replies a quiet prefix may get at once."),
    integer<&handshake_config::rate_limit_buckets_>(
        "rate_limit_buckets", 1024, 16777216, reload::no,
        "Token buckets per worker lcore (a power of two); prefixes hash into them, so "
        "memory stays flat under spoofed floods.",
        none, power_of_two),
};

// ---- [introduction] ------------------------------------------------------

constexpr std::array introduction_rows{
    integer<&introduction_config::per_initiator_per_second_>(
        "per_initiator_per_second", 1, 10000000, reload::yes,
        "Introductions (IHello naming a peer ID) per second allowed per initiator "
        "address, counted or not found alike (token bucket rate, per worker lcore)."),
    integer<&introduction_config::per_initiator_burst_>(
        "per_initiator_burst", 1, 10000000, reload::yes,
        "Introductions a quiet initiator address may ask for at once."),
    integer<&introduction_config::initiator_ipv4_prefix_>(
        "initiator_ipv4_prefix", 8, 32, reload::yes,
        "IPv4 initiators sharing this prefix length share one introduction bucket "
        "(32: each address on its own)."),
    integer<&introduction_config::initiator_ipv6_prefix_>(
        "initiator_ipv6_prefix", 32, 128, reload::yes,
        "IPv6 initiators sharing this prefix length share one introduction bucket."),
    integer<&introduction_config::per_target_per_second_>(
        "per_target_per_second", 1, 10000000, reload::yes,
        "Introductions per second to one target peer (Redirect + Forwarded IHello), "
        "per worker lcore."),
    integer<&introduction_config::per_target_burst_>(
        "per_target_burst", 1, 10000000, reload::yes,
        "Introductions a quiet target peer may receive at once."),
    integer<&introduction_config::buckets_>(
        "buckets", 1024, 16777216, reload::no,
        "Token buckets per worker lcore in each of the two introduction limiters "
        "(a power of two).",
        none, power_of_two),
};

// ---- [sessions] ----------------------------------------------------------

constexpr std::array sessions_rows{
    integer<&sessions_config::max_sessions_per_lcore_>(
        "max_sessions_per_lcore", 1, 4194304, reload::no,
        "Session table size per worker lcore, preallocated; IIKeying beyond it is refused."),
    integer<&sessions_config::keying_queue_depth_>(
        "keying_queue_depth", 1, 65536, reload::no,
        "Pending Diffie-Hellman computations per worker lcore; excess IIKeying is "
        "dropped under a counter."),
    integer<&sessions_config::idle_timeout_seconds_>(
        "idle_timeout_seconds", 10, 86400, reload::yes,
        "A session that receives nothing for this long is closed; longer than "
        "keepalive_peer_ms."),
    integer<&sessions_config::keepalive_server_ms_>(
        "keepalive_server_ms", 1000, 3600000, reload::yes,
        "Server keepalive period sent to clients in Set Keepalive Timers (RFC 7425 §5.3)."),
    integer<&sessions_config::keepalive_peer_ms_>(
        "keepalive_peer_ms", 5000, 3600000, reload::yes,
        "Peer-to-peer keepalive period sent to clients in Set Keepalive Timers."),
    boolean<&sessions_config::require_hmac_>(
        "require_hmac", reload::yes,
        "Refuse sessions whose initiator does not negotiate HMAC signatures (RFC 7425 "
        "§4.6). Flash and librtmfp do not; rtmfp-cpp does."),
    boolean<&sessions_config::require_sseq_>(
        "require_sseq", reload::yes,
        "Refuse sessions whose initiator does not negotiate session sequence numbers."),
    integer<&sessions_config::max_peers_>(
        "max_peers", 1, 100000000, reload::no,
        "Peer directory capacity (all apps); connects beyond it are rejected."),
    integer<&sessions_config::relay_per_second_>(
        "relay_per_second", 1, 10000000, reload::no,
        "relay commands (tcserver's message relay by peer ID) one peer may send per second, "
        "sustained; beyond it the sender gets NetConnection.Call.Failed."),
    integer<&sessions_config::relay_burst_>(
        "relay_burst", 1, 10000000, reload::no,
        "relay commands one quiet peer may send at once (token bucket depth)."),
    integer<&sessions_config::max_groups_>(
        "max_groups", 1, 100000000, reload::no,
        "Most NetGroups at once (all apps); joins creating more are refused (group_table_full)."),
    integer<&sessions_config::max_group_memberships_>(
        "max_group_memberships", 1, 1000000000, reload::no,
        "Most group memberships at once (all apps and groups); 64 bytes each plus the ring entry."),
    integer<&sessions_config::max_group_members_>(
        "max_group_members", 1, 100000000, reload::no,
        "Most members of one group; further joins are refused (group_members_full)."),
    integer<&sessions_config::group_joins_per_second_>(
        "group_joins_per_second", 1, 1000, reload::no,
        "Group joins one session may make per second (same-size burst); more are dropped (group_join_rate)."),
    integer<&sessions_config::send_buffer_bytes_>(
        "send_buffer_bytes", 1280, 4194304, reload::no,
        "Unacknowledged bytes each sending flow of a session may hold (3 flows per session, "
        "preallocated). Raise for live-stream subscribers; bytes per session are logged at start."),
    integer<&sessions_config::receive_buffer_bytes_>(
        "receive_buffer_bytes", 1280, 4194304, reload::no,
        "Out-of-order bytes each receiving flow may stash (3 flows per session, preallocated); "
        "it bounds what a publisher can have in flight. Raise for live streams."),
    integer<&sessions_config::max_message_bytes_>(
        "max_message_bytes", 1200, 4194304, reload::no,
        "Largest message reassembled from fragments (a video frame of a live stream); larger "
        "ones are refused."),
};

// ---- [[apps]] ------------------------------------------------------------

constexpr std::array app_rows{
    string<&app_config::path_>(
        "path", values::check_app_path, reload::yes,
        "URI path clients connect to, without the leading / (\"app\", "
        "\"multicast/<key>\").",
        required),
    string_list<&app_config::developer_keys_>(
        "developer_keys", values::check_developer_key, reload::yes,
        "Developer keys accepted in connect; empty: no key needed.", unique),
    integer<&app_config::max_peers_>("max_peers", 1, max_u32, reload::yes,
                                     "Most peers connected to this app at once. Default: "
                                     "sessions.max_peers."),
    integer<&app_config::max_handshakes_per_second_>(
        "max_handshakes_per_second", 1, max_u32, reload::yes,
        "Most connects per second to this app, all sources together. Default: no limit."),
    integer<&app_config::max_groups_>("max_groups", 1, max_u32, reload::no,
                                      "Most NetGroups of this app. Default: sessions.max_groups."),
    integer<&app_config::max_group_members_>(
        "max_group_members", 1, max_u32, reload::no,
        "Most group memberships in this app, all its groups. Default: sessions.max_group_memberships."),
    integer<&app_config::group_bootstrap_neighbours_>(
        "group_bootstrap_neighbours", 0, 8, reload::no,
        "A joining member learns this many nearest members on each side of the group ring."),
    integer<&app_config::group_bootstrap_random_>(
        "group_bootstrap_random", 0, 8, reload::no,
        "A joining member also learns this many random members."),
    integer<&app_config::group_bootstrap_max_>(
        "group_bootstrap_max", 1, 16, reload::no,
        "Most member IDs sent to a joining member (one message each)."),
    integer<&app_config::group_notify_neighbours_>(
        "group_notify_neighbours", 0, 8, reload::no,
        "This many ring neighbours on each side are told the joining member's ID."),
};

// ---- [rest] --------------------------------------------------------------

constexpr std::array rest_rows{
    key<rest_config>{
        "listen", kind::string, 0, 0, none, reload::no, check_listen, nullptr,
        [](const rest_config& r) -> value { return to_string(r.listen_); },
        [](rest_config& r, const value& v) {
            (void)values::parse_listen(std::get<std::string>(v), r.listen_);
        },
        "TCP address:port of the REST API and /metrics (IP literal; [::1]:8080 for IPv6). "
        "Keep it on loopback or a management network."},
    key<rest_config>{
        "token", kind::string, 0, 0, secret, reload::yes, values::check_token, nullptr,
        [](const rest_config& r) -> value {
            if (r.token_.empty()) return std::monostate{};
            return r.token_;
        },
        [](rest_config& r, const value& v) { r.token_ = std::get<std::string>(v); },
        "Bearer token for mutating calls (at least 16 printable characters). Prefer "
        "token_file. Neither set: mutating calls are refused."},
    string<&rest_config::token_file_>(
        "token_file", values::check_file_path, reload::yes,
        "File holding the bearer token (read at load and at each reload; one trailing "
        "newline ignored). Exclusive with token."),
    integer<&rest_config::max_body_bytes_>("max_body_bytes", 1024, 67108864, reload::yes,
                                           "Largest request body accepted (413 beyond)."),
    integer<&rest_config::max_connections_>("max_connections", 1, 4096, reload::yes,
                                            "Most REST connections open at once."),
};

}  // namespace

std::span<const key<eal_config>> eal_keys() { return eal_rows; }
std::span<const key<port_config>> port_keys() { return port_rows; }
std::span<const key<server_config>> server_keys() { return server_rows; }
std::span<const key<workers_config>> workers_keys() { return workers_rows; }
std::span<const key<queue_assignment>> queue_keys() { return queue_rows; }
std::span<const key<mempool_config>> mempool_keys() { return mempool_rows; }
std::span<const key<handshake_config>> handshake_keys() { return handshake_rows; }
std::span<const key<sessions_config>> sessions_keys() { return sessions_rows; }
std::span<const key<introduction_config>> introduction_keys() { return introduction_rows; }
std::span<const key<app_config>> app_keys() { return app_rows; }
std::span<const key<rest_config>> rest_keys() { return rest_rows; }

std::string render(const value& v) {
    struct renderer {
        std::string operator()(std::monostate) const { return "(unset)"; }
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(const std::string& s) const { return values::quote(s); }
        std::string operator()(const std::vector<std::int64_t>& list) const {
            std::string out = "[";
            for (std::size_t i = 0; i < list.size(); ++i) {
                out += (i ? ", " : "") + std::to_string(list[i]);
            }
            return out + "]";
        }
        std::string operator()(const std::vector<std::string>& list) const {
            std::string out = "[";
            for (std::size_t i = 0; i < list.size(); ++i) {
                out += (i ? ", " : "") + values::quote(list[i]);
            }
            return out + "]";
        }
    };
    return std::visit(renderer{}, v);
}

// ---- description ---------------------------------------------------------

namespace {

std::string type_name(kind k) {
    switch (k) {
    case kind::boolean: return "boolean";
    case kind::integer: return "integer";
    case kind::string: return "string";
    case kind::integer_list: return "array of integers";
    case kind::string_list: return "array of strings";
    }
    return "";
}

struct describer {
    std::vector<key_description>& out_;

    template <class S>
    void rows(const std::string& prefix, std::span<const key<S>> keys, const S& defaults) {
        for (const auto& k : keys) {
            key_description d;
            d.path_ = prefix + std::string(k.name_);
            d.type_ = type_name(k.kind_);
            if (k.kind_ == kind::integer || k.kind_ == kind::integer_list) {
                d.range_ = std::to_string(k.min_) + "-" + std::to_string(k.max_);
            }
            d.default_ = k.has(required) ? "(required)"
                         : k.has(secret) ? "(unset)"
                                         : render(k.get_(defaults));
            d.reloadable_ = k.reload_ == reload::yes;
            d.doc_ = std::string(k.doc_);
            out_.push_back(std::move(d));
        }
    }
    template <class S, class Access>
    void table(std::string_view path, std::span<const key<S>> keys, Access, std::string_view) {
        rows(std::string(path) + ".", keys, S{});
    }
    template <class S, class Access>
    void array(std::string_view path, std::span<const key<S>> keys, Access, reload) {
        rows(std::string(path) + "[].", keys, S{});
    }
};

}  // namespace
}  // namespace strato::control::schema

namespace strato::control {

std::vector<key_description> describe_config_schema() {
    std::vector<key_description> out;
    schema::for_each_section(schema::describer{out});
    return out;
}

}  // namespace strato::control
