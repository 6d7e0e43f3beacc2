#include "tools/strato-peer/amf_text.hpp"

#include <cstdio>
#include <vector>

#include "dataplane/flash/amf0.hpp"
#include "dataplane/flash/amf0_writer.hpp"
#include "dataplane/flash/rtmp.hpp"
#include "tools/strato-peer/command.hpp"

namespace strato::peer {

std::string amf_values_text(wire::bytes amf) {
    flash::amf0_reader r(amf);
    flash::amf0_value v;
    std::string out;
    // Per open container: whether a member was written yet.
    std::vector<bool> first{true};
    while (!r.at_end()) {
        if (auto e = r.next(v); e != wire::drop_reason::none) {
            out.append("<malformed: ");
            out.append(wire::name_of(e));
            out.append(">");
            return out;
        }
        if (v.type == flash::amf0_type::end) {
            if (first.size() > 1) first.pop_back();
            out += '}';
            continue;
        }
        if (!first.back()) out += ", ";
        first.back() = false;
        if (!v.key.empty()) {
            out.append(v.key);
            out.append(": ");
        }
        char num[64];
        switch (v.type) {
        case flash::amf0_type::number:
        case flash::amf0_type::date:
            std::snprintf(num, sizeof num, "%.17g", v.number);
            out += num;
            break;
        case flash::amf0_type::boolean: out += v.boolean ? "true" : "false"; break;
        case flash::amf0_type::string: out += json_string(v.text); break;
        case flash::amf0_type::null: out += "null"; break;
        case flash::amf0_type::undefined: out += "undefined"; break;
        case flash::amf0_type::object_begin:
        case flash::amf0_type::ecma_array_begin:
        case flash::amf0_type::typed_object_begin:
            out += '{';
            first.push_back(true);
            break;
        case flash::amf0_type::strict_array_begin:
            // Elements follow without an end marker: shown as a count, skipped.
            std::snprintf(num, sizeof num, "[%u elements]", static_cast<unsigned>(v.count));
            out.append(num);
            if (r.skip(v) != wire::drop_reason::none) {
                out.append("<malformed>");
                return out;
            }
            break;
        default: out += "<other>"; break;
        }
    }
    return out;
}

std::vector<std::uint8_t> relay_message(double transaction_id, std::string_view target_hex, std::string_view message) {
    std::vector<std::uint8_t> buf(message.size() + target_hex.size() + 64);
    wire::writer w(buf);
    flash::write_rtmp_header(w, flash::rtmp_type::command_amf0, 0);
    flash::amf0_writer a(w);
    a.string("relay");
    a.number(transaction_id);
    a.null();
    a.string(target_hex);
    a.string(message);
    buf.resize(w.ok() ? w.size() : 0);
    return buf;
}

} // namespace strato::peer
