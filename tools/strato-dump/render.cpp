#include "tools/strato-dump/render.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace strato::dump {

line& line::kv(std::string key, std::string text_, boost::json::value json) {
    fields.push_back(field{std::move(key), std::move(text_), false, std::move(json)});
    return *this;
}
line& line::word(std::string key, std::string text_, boost::json::value json) {
    fields.push_back(field{std::move(key), std::move(text_), true, std::move(json)});
    return *this;
}
line& line::num(std::string key, std::uint64_t v) {
    return kv(std::move(key), std::to_string(v), boost::json::value(v));
}
line& line::child(std::string kind_, int indent_) {
    children.push_back(line{std::move(kind_), indent_, {}, {}});
    return children.back();
}

std::string line::text() const {
    std::string s(static_cast<std::size_t>(indent), ' ');
    bool first = true;
    for (const auto& f : fields) {
        if (!first) s.push_back(' ');
        first = false;
        if (!f.bare) {
            s += f.key;
            s.push_back('=');
        }
        s += f.text;
    }
    return s;
}

namespace {

void append_text(std::string& out, const line& l) {
    out += l.text();
    out.push_back('\n');
    for (const auto& c : l.children) append_text(out, c);
}

boost::json::object to_json(const line& l) {
    boost::json::object o;
    o["kind"] = l.kind;
    for (const auto& f : l.fields) {
        if (f.key.empty()) continue;
        o[f.key] = f.json.is_null() ? boost::json::value(f.text) : f.json;
    }
    if (!l.children.empty()) {
        boost::json::array a;
        for (const auto& c : l.children) a.push_back(to_json(c));
        o[l.kind == "packet" ? "chunks" : "lines"] = std::move(a);
    }
    return o;
}

} // namespace

std::string packet_text(const packet_record& p) {
    std::string s;
    append_text(s, p.header);
    return s;
}

void write_text(std::ostream& out, const capture_record& c) {
    out << "# " << c.pcap_name << ": " << c.packets.size() << " packets, "
        << (c.keys_name.empty() ? std::string("no keys file") : "keys from " + c.keys_name) << "\n";
    out << "# hosts: ";
    for (std::size_t i = 0; i < c.hosts.size(); ++i) out << (i ? ", " : "") << c.hosts[i];
    out << "\n";
    out << "# per packet: seconds since the first packet, #frame, direction, addresses, session ID on the wire,\n"
           "#   datagram length, header flags/mode/timestamps, key used (default = 'Adobe Systems 02').\n"
           "# per chunk (indented): type and fields; media payloads truncated to 16 bytes.\n";
    for (const auto& p : c.packets) out << packet_text(p);
}

void write_json(std::ostream& out, const capture_record& c) {
    boost::json::object head;
    head["kind"] = "capture";
    head["pcap"] = c.pcap_name;
    head["keys"] = c.keys_name;
    head["packets"] = c.packets.size();
    boost::json::array hosts;
    for (const auto& h : c.hosts) hosts.push_back(boost::json::value(h));
    head["hosts"] = std::move(hosts);
    out << boost::json::serialize(head) << "\n";
    for (const auto& p : c.packets) {
        boost::json::object o = to_json(p.header);
        if (!p.errors.empty()) {
            boost::json::array e;
            for (const auto& s : p.errors) e.push_back(boost::json::value(s));
            o["errors"] = std::move(e);
        }
        out << boost::json::serialize(o) << "\n";
    }
}

} // namespace strato::dump
