#include "crypto/datagram.hpp"

#include <cstring>

#include "crypto/imb.hpp"

namespace strato::crypto {

using wire::drop_reason;

namespace {

drop_reason check_seal(const seal_job& j) noexcept {
    if (j.buffer == nullptr || j.params.key == nullptr) return drop_reason::value_out_of_range;
    if (j.length < wire::min_datagram) return drop_reason::datagram_too_short;
    if ((j.length - wire::session_id_size) % aes_block != 0) return drop_reason::datagram_misaligned;
    if (j.params.hmac) {
        if (j.params.hmac_length < 4 || j.params.hmac_length > sha256_size) return drop_reason::value_out_of_range;
        if (j.capacity < j.length + j.params.hmac_length) return drop_reason::truncated;
    } else if (j.capacity < j.length) {
        return drop_reason::truncated;
    }
    return drop_reason::none;
}

// RFC 7425 §4.7.3.2 / protocol reference §1.3 receive procedure, step 1.
drop_reason check_open(const open_job& j) noexcept {
    if (j.datagram == nullptr || j.out == nullptr || j.params.key == nullptr) return drop_reason::value_out_of_range;
    const std::size_t mac = j.params.hmac ? j.params.hmac_length : 0;
    if (j.params.hmac && (mac < 4 || mac > sha256_size)) return drop_reason::value_out_of_range;
    if (j.length > wire::max_datagram) return drop_reason::value_out_of_range;
    if (j.length < wire::min_datagram + mac) return drop_reason::datagram_too_short;
    if ((j.length - wire::session_id_size - mac) % aes_block != 0) return drop_reason::datagram_misaligned;
    return drop_reason::none;
}

void seal_slice(std::span<seal_job> jobs) noexcept {
    aes_op aes[max_burst];
    hmac_op mac[max_burst];
    alignas(16) std::uint8_t tags[max_burst][sha256_size];
    std::size_t idx_aes[max_burst], idx_mac[max_burst];
    std::size_t na = 0, nm = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        seal_job& j = jobs[i];
        j.status = check_seal(j);
        if (j.status != drop_reason::none) continue;
        std::uint8_t* ct = j.buffer + wire::session_id_size;
        const std::size_t n = j.length - wire::session_id_size;
        aes[na] = {j.params.key, ct, ct, n};
        idx_aes[na++] = i;
        if (j.params.hmac) {
            // RFC 7425 §4.7.3.2: the HMAC covers the cipher blocks only.
            mac[nm] = {j.params.hmac, ct, n, tags[nm]};
            idx_mac[nm++] = i;
        }
    }
    if (na && !aes_cbc_encrypt_burst({aes, na})) {
        for (std::size_t k = 0; k < na; ++k) jobs[idx_aes[k]].status = drop_reason::value_out_of_range;
        return;
    }
    if (nm && !hmac_sha256_burst({mac, nm})) {
        for (std::size_t k = 0; k < nm; ++k) jobs[idx_mac[k]].status = drop_reason::value_out_of_range;
        nm = 0;
    }
    for (std::size_t k = 0; k < nm; ++k) {
        seal_job& j = jobs[idx_mac[k]];
        std::memcpy(j.buffer + j.length, tags[k], j.params.hmac_length);
    }
    for (std::size_t k = 0; k < na; ++k) {
        seal_job& j = jobs[idx_aes[k]];
        if (j.status != drop_reason::none) continue;
        // RFC 7016 §2.2.2: the SSID is scrambled with the first two cipher words.
        wire::scramble_session_id({j.buffer, j.length}, j.session_id);
        if (j.params.hmac) j.length += j.params.hmac_length;
    }
}

void open_slice(std::span<open_job> jobs) noexcept {
    aes_op aes[max_burst];
    hmac_op mac[max_burst];
    alignas(16) std::uint8_t tags[max_burst][sha256_size];
    std::size_t idx_aes[max_burst], idx_mac[max_burst];
    std::size_t na = 0, nm = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        open_job& j = jobs[i];
        j.status = check_open(j);
        if (j.status != drop_reason::none || !j.params.hmac) continue;
        const std::size_t n = j.length - wire::session_id_size - j.params.hmac_length;
        mac[nm] = {j.params.hmac, j.datagram + wire::session_id_size, n, tags[nm]};
        idx_mac[nm++] = i;
    }
    // Verify HMACs before decrypting (RFC 7425 §4.7.3.2): a forged packet
    // costs one HMAC and never reaches the cipher or the parser.
    if (nm) {
        if (!hmac_sha256_burst({mac, nm})) {
            for (std::size_t k = 0; k < nm; ++k) jobs[idx_mac[k]].status = drop_reason::bad_hmac;
        } else {
            for (std::size_t k = 0; k < nm; ++k) {
                open_job& j = jobs[idx_mac[k]];
                const std::uint8_t* got = j.datagram + j.length - j.params.hmac_length;
                if (!equal_ct(tags[k], got, j.params.hmac_length)) j.status = drop_reason::bad_hmac;
            }
        }
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        open_job& j = jobs[i];
        if (j.status != drop_reason::none) continue;
        const std::size_t n = j.length - wire::session_id_size - (j.params.hmac ? j.params.hmac_length : 0);
        aes[na] = {j.params.key, j.datagram + wire::session_id_size, j.out, n};
        idx_aes[na++] = i;
    }
    if (na && !aes_cbc_decrypt_burst({aes, na})) {
        for (std::size_t k = 0; k < na; ++k) jobs[idx_aes[k]].status = drop_reason::value_out_of_range;
        return;
    }
    for (std::size_t k = 0; k < na; ++k) {
        open_job& j = jobs[idx_aes[k]];
        // With an HMAC there is no checksum field (RFC 7425 §4.7.2).
        auto r = wire::open_plaintext({j.out, aes[k].length}, j.params.sseq, j.params.hmac == nullptr);
        if (r) j.plain = *r;
        else j.status = r.error();
    }
}

} // namespace

void seal_burst(std::span<seal_job> jobs) noexcept {
    while (!jobs.empty()) {
        const std::size_t n = jobs.size() < max_burst ? jobs.size() : max_burst;
        seal_slice(jobs.first(n));
        jobs = jobs.subspan(n);
    }
}

void open_burst(std::span<open_job> jobs) noexcept {
    while (!jobs.empty()) {
        const std::size_t n = jobs.size() < max_burst ? jobs.size() : max_burst;
        open_slice(jobs.first(n));
        jobs = jobs.subspan(n);
    }
}

wire::result<std::size_t> seal(mutable_bytes buffer, std::size_t length, std::uint32_t session_id,
                               const seal_params& p) noexcept {
    seal_job j{buffer.data(), buffer.size(), length, session_id, p, drop_reason::none};
    seal_slice({&j, 1});
    if (j.status != drop_reason::none) return j.status;
    return j.length;
}

wire::result<std::size_t> seal(wire::packet_builder& b, std::uint32_t session_id, const seal_params& p) noexcept {
    return seal(b.body().buffer(), b.datagram().size(), session_id, p);
}

wire::result<wire::plaintext_view> open(bytes datagram, mutable_bytes out, const open_params& p) noexcept {
    open_job j;
    j.datagram = datagram.data();
    j.length = datagram.size();
    j.out = out.data();
    j.params = p;
    const std::size_t mac = p.hmac ? p.hmac_length : 0;
    if (datagram.size() >= wire::session_id_size + mac && out.size() < datagram.size() - wire::session_id_size - mac)
        return drop_reason::truncated;
    open_slice({&j, 1});
    if (j.status != drop_reason::none) return j.status;
    return j.plain;
}

wire::result<wire::plaintext_view> open_in_place(mutable_bytes datagram, const open_params& p) noexcept {
    if (datagram.size() < wire::session_id_size) return drop_reason::datagram_too_short;
    return open({datagram.data(), datagram.size()}, datagram.subspan(wire::session_id_size), p);
}

} // namespace strato::crypto
