#pragma once
// Opens RTMFP datagrams for the dump with crypto::open (HMAC, AES-128-CBC
// with a zero IV, plaintext split; RFC 7425 §4.7). Session keys from the keys
// file are expanded once and cached here.
#include <map>
#include <memory>
#include <vector>

#include "crypto/datagram.hpp"
#include "tools/strato-dump/keys_file.hpp"

namespace strato::dump {

struct opened_datagram {
    std::vector<std::uint8_t> plain;  // whole decrypted plaintext
    wire::plaintext_view view;        // points into plain
    std::size_t hmac_len = 0;
};

class datagram_opener {
public:
    // The default session key, checksum mode (RFC 7425 §4.1).
    wire::drop_reason open_default(wire::bytes datagram, opened_datagram& out);
    wire::drop_reason open_session(wire::bytes datagram, const direction_keys& k, opened_datagram& out);

private:
    struct expanded {
        crypto::aes_key aes;
        crypto::hmac_key hmac;
    };
    const expanded* keys_for(const direction_keys& k);
    wire::drop_reason open(wire::bytes datagram, const crypto::open_params& p, opened_datagram& out);

    std::map<const direction_keys*, std::unique_ptr<expanded>> cache_;
};

} // namespace strato::dump
