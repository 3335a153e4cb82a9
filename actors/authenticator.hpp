// The authenticator actor: checks and registers accounts against the user store. Hashing is
// slow on purpose (argon2id), so the authenticator only dispatches: a small pool of worker
// actors does the store and hash work. Live, the workers run on threads of their own (detached),
// so a slow hash never holds up a room, a connection or the listener; in the simulator they are
// ordinary scheduled actors so the seeded scheduler controls them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "net/payload.hpp"

namespace parley::trace {
class tracer;
}
#include "store/password_hasher.hpp"
#include "store/user_store.hpp"

namespace parley {

struct check_account {
  std::string name;
};
struct check_account_result {
  bool exists;
};

struct verify_password {
  std::string name;
  secret password;
};
struct verify_password_result {
  bool ok;
};

struct register_account {
  std::string name;
  secret password;
};
struct register_account_result {
  bool ok;
  std::string error; ///< why not, for the user ("name taken")
};

using authenticator_actor =
  caf::typed_actor<caf::replies_to<check_account>::with<check_account_result>,
                   caf::replies_to<verify_password>::with<verify_password_result>,
                   caf::replies_to<register_account>::with<register_account_result>>;

struct authenticator_config {
  store::store_factory open_store;
  std::function<std::unique_ptr<store::password_hasher>()> make_hasher;
  std::size_t workers = 2;
  bool detached_workers = true; ///< live: true; simulator and actor tests: false
  trace::tracer* tracer = nullptr;
};

authenticator_actor spawn_authenticator(caf::actor_system& sys, authenticator_config cfg);

template <class F> typename F::result_type inspect(F& f, check_account& x) {
  return f(caf::meta::type_name("check_account"), x.name);
}
template <class F> typename F::result_type inspect(F& f, check_account_result& x) {
  return f(caf::meta::type_name("check_account_result"), x.exists);
}
template <class F> typename F::result_type inspect(F& f, verify_password& x) {
  return f(caf::meta::type_name("verify_password"), x.name, x.password);
}
template <class F> typename F::result_type inspect(F& f, verify_password_result& x) {
  return f(caf::meta::type_name("verify_password_result"), x.ok);
}
template <class F> typename F::result_type inspect(F& f, register_account& x) {
  return f(caf::meta::type_name("register_account"), x.name, x.password);
}
template <class F> typename F::result_type inspect(F& f, register_account_result& x) {
  return f(caf::meta::type_name("register_account_result"), x.ok, x.error);
}

} // namespace parley
