#include "dataplane/flash/replies.hpp"

#include "dataplane/flash/rtmp.hpp"

namespace strato::flash {

namespace {

// Common prefix of every answer: RTMP header, name, transaction ID, null
// command object (RFC 7425 §5.3.2 shapes, protocol reference §6.5).
void begin_answer(amf0_writer& a, std::string_view name, double transaction_id) noexcept {
    write_rtmp_header(a.out(), rtmp_type::command_amf0, 0);
    a.string(name);
    a.number(transaction_id);
    a.null();
}

void info_head(amf0_writer& a, std::string_view level, std::string_view code,
               std::string_view description) noexcept {
    a.object_begin();
    a.key("level");
    a.string(level);
    a.key("code");
    a.string(code);
    a.key("description");
    a.string(description);
}

} // namespace

void write_connect_result(wire::writer& w, const connect_result_params& p) noexcept {
    amf0_writer a(w);
    begin_answer(a, "_result", p.transaction_id);
    info_head(a, status::level_status, status::connect_success, p.description);
    a.key("objectEncoding");
    a.number(p.object_encoding);
    write_members(a, p.extra);
    a.object_end();
}

void write_error(wire::writer& w, double transaction_id, std::string_view code,
                 std::string_view description) noexcept {
    amf0_writer a(w);
    begin_answer(a, "_error", transaction_id);
    info_head(a, status::level_error, code, description);
    a.object_end();
}

void write_create_stream_result(wire::writer& w, double transaction_id, double stream_id) noexcept {
    amf0_writer a(w);
    begin_answer(a, "_result", transaction_id);
    a.number(stream_id);
}

void write_on_status(wire::writer& w, const on_status_params& p) noexcept {
    amf0_writer a(w);
    begin_answer(a, "onStatus", 0);
    info_head(a, p.level, p.code, p.description);
    if (!p.details.empty()) {
        a.key("details");
        a.string(p.details);
    }
    write_members(a, p.extra);
    a.object_end();
}

void write_call_failed(wire::writer& w, double transaction_id, std::string_view description) noexcept {
    if (transaction_id > 0) {
        write_error(w, transaction_id, status::call_failed, description);
        return;
    }
    amf0_writer a(w);
    begin_answer(a, "onStatus", 0);
    info_head(a, status::level_error, status::call_failed, description);
    a.object_end();
}

void write_call_acknowledged(wire::writer& w, double transaction_id) noexcept {
    amf0_writer a(w);
    begin_answer(a, "_result", transaction_id);
    a.undefined();
}

void write_on_relay(wire::writer& w, std::span<const std::uint8_t, 32> sender, wire::bytes args) noexcept {
    static constexpr char digits[] = "0123456789abcdef";
    char hex[64];
    for (std::size_t i = 0; i < sender.size(); ++i) {
        hex[2 * i] = digits[sender[i] >> 4];
        hex[2 * i + 1] = digits[sender[i] & 0xf];
    }
    amf0_writer a(w);
    begin_answer(a, "onRelay", 0);
    a.object_begin();
    a.key("sender");
    a.string(std::string_view(hex, sizeof hex));
    a.object_end();
    a.raw(args);
}

} // namespace strato::flash
