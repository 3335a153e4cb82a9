// An immutable, shared block of bytes for the client: a room formats a line once and every
// member's connection (and the transport) holds the same buffer, so fan-out to N members makes
// no copies of the text until it reaches a socket buffer.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "caf/error.hpp"
#include "caf/meta/load_callback.hpp"
#include "caf/none.hpp"
#include "caf/meta/type_name.hpp"

namespace parley {

struct shared_text {
  std::shared_ptr<const std::string> ptr;

  shared_text() = default;
  explicit shared_text(std::string s) : ptr(std::make_shared<const std::string>(std::move(s))) {}

  const std::string& str() const {
    static const std::string empty;
    return ptr ? *ptr : empty;
  }
  std::size_t size() const { return ptr ? ptr->size() : 0; }
};

// Traces render the text; loading (never needed locally) rebuilds a fresh buffer.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shared_text& x) {
  std::string tmp = x.str();
  auto rebuild = caf::meta::load_callback([&]() -> caf::error {
    x.ptr = std::make_shared<const std::string>(std::move(tmp));
    return caf::none;
  });
  return f(caf::meta::type_name("text"), tmp, rebuild);
}

// A password or other secret in a message: traces and logs show it redacted.
struct secret {
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, secret& x) {
  (void) x; // never rendered, never loaded: secrets do not leave the process
  std::string shown = "<redacted>";
  auto keep = caf::meta::load_callback([&]() -> caf::error { return caf::none; });
  return f(caf::meta::type_name("secret"), shown, keep);
}

} // namespace parley
