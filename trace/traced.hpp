// The one place where messages are traced: a mixin over any CAF scheduled actor type that
// reports every message it enqueues and handles to the tracer (trace/tracer.hpp). Every Parley
// actor is spawned with it (`stateful_actor<State, traced<X_actor::base>>`), so a new message
// type is traced without anyone remembering to. Without a tracer it only tests a pointer. It
// also tells handlers which actor they run for (handling_actor), so actors can share handlers.
#pragma once

#include <atomic>
#include <cassert>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "caf/all.hpp"

#include "trace/tracer.hpp"

namespace parley::trace {

namespace detail {

// The message types an actor's typed interface takes (none for an untyped actor).
template <class Base, class = void>
struct signatures_of {
  using type = caf::detail::type_list<>;
};
template <class Base>
struct signatures_of<Base, std::void_t<typename Base::signatures>> {
  using type = typename Base::signatures;
};

// Appends "(x)" for a message of one element of type In, as caf::to_string renders it, into
// `out` without the temporaries of to_string; false if the element is not an In.
template <class Sig>
struct render_one {
  static bool apply(const std::type_info&, const caf::type_erased_tuple&, std::string&) {
    return false;
  }
};
template <class In, class Out>
struct render_one<caf::typed_mpi<caf::detail::type_list<In>, Out>> {
  static bool apply(const std::type_info& rtti, const caf::type_erased_tuple& xs,
                    std::string& out) {
    // The same type has the same type_info object within one binary, and Parley's messages
    // live in one. Comparing names instead (type_info's ==) cost a strcmp per signature tried
    // for every traced message; should two objects ever differ for one type, the message is
    // rendered by caf::to_string, to the same text.
    if (&rtti != &typeid(In))
      return false;
    out += '(';
    caf::detail::stringification_inspector f{out};
    f(*static_cast<const In*>(xs.get(0)));
    out += ')';
    return true;
  }
};

template <class... Sigs>
bool render_typed(caf::detail::type_list<Sigs...>, const caf::type_erased_tuple& xs,
                  std::string& out) {
  if (xs.size() != 1)
    return false;
  const auto* rtti = xs.type(0).second;
  return rtti && (render_one<Sigs>::apply(*rtti, xs, out) || ...);
}

inline bool render_typed(caf::none_t, const caf::type_erased_tuple&, std::string&) {
  return false; // an untyped actor
}

// This thread's rendering of the message being handled.
inline thread_local std::string rendering_buffer;

// The actor whose message this thread is handling (see handling_actor below).
inline thread_local caf::scheduled_actor* handling = nullptr;

// Sets `handling` for the length of one consume(); restores the one before, should a handler
// ever run an actor's handler inline.
class handling_scope {
public:
  explicit handling_scope(caf::scheduled_actor* self) : before_(handling) { handling = self; }
  ~handling_scope() { handling = before_; }
  handling_scope(const handling_scope&) = delete;
  handling_scope& operator=(const handling_scope&) = delete;

private:
  caf::scheduled_actor* before_;
};

} // namespace detail

/// `Signatures`: the typed interface whose messages are rendered without caf::to_string; an
/// untyped actor that serves a typed interface (the TCP transport, a broker) names it here.
template <class Base, class Signatures = typename detail::signatures_of<Base>::type>
class traced : public Base {
public:
  using Base::Base;

  /// Called once, first thing in an actor's behaviour function (see attach below); the
  /// setters below keep what they are given only when there is a tracer, so call them after
  /// this.
  void set_tracer(tracer* t) {
    // Other threads may already be sending to this actor (enqueue): they must see the hooks
    // whole or not at all, hence release here and acquire there.
    delete hooks_.exchange(t ? new hooks(t) : nullptr, std::memory_order_acq_rel);
  }
  /// Lets an actor rewrite how its messages are recorded, to keep secrets out of the trace
  /// (a connection's input before login holds the password typed at the prompt).
  void set_render_filter(std::function<void(std::string&)> f) {
    if (auto* h = own_hooks())
      h->filter = std::move(f);
  }
  /// Renders messages outside the typed interface that caf::to_string would render at length
  /// only for the filter to cut (a raw read's bytes): appends "(type(...))" to `out` and returns
  /// true, or false to leave the message to the usual rendering.
  using renderer_fn = bool (*)(const caf::type_erased_tuple&, std::string& out);
  void set_renderer(renderer_fn f) {
    if (auto* h = own_hooks())
      h->renderer = f;
  }
  /// Tells messages that never pass through enqueue (a broker's socket events, which CAF's
  /// multiplexer hands to the broker directly) from the rest: they have no link to look up, and
  /// looking would search every link in the mailbox.
  using direct_fn = bool (*)(const caf::type_erased_tuple&);
  void set_direct_messages(direct_fn f) {
    if (auto* h = own_hooks())
      h->direct = f;
  }
  tracer* get_tracer() const {
    auto* h = hooks_.load(std::memory_order_acquire);
    return h ? h->t : nullptr;
  }

  ~traced() override { delete hooks_.load(std::memory_order_relaxed); }

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override {
    if (auto* h = hooks_.load(std::memory_order_acquire); h && ptr)
      h->pending.put(ptr.get(), h->t->origin());
    Base::enqueue(std::move(ptr), eu);
  }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    detail::handling_scope scope{this};
    auto* hp = own_hooks();
    if (!hp)
      return Base::consume(x);
    auto& h = *hp;
    // Render before the handler runs: handlers may move out of the content. A message of the
    // actor's typed interface is rendered straight into a reused buffer; anything else (CAF's
    // own messages, an untyped actor's) by caf::to_string. Both give the same text.
    auto from = x.sender ? x.sender->id() : 0;
    auto& rendering = detail::rendering_buffer;
    rendering.clear();
    // The typed interface first: its checks are pointer comparisons, and a message of it is
    // never one of the renderer's or a direct one (those are CAF's socket events).
    bool typed = detail::render_typed(Signatures{}, x.content(), rendering);
    if (!typed && !(h.renderer && h.renderer(x.content(), rendering)))
      rendering = caf::to_string(x.content());
    if (h.filter)
      h.filter(rendering);
    bool direct = !typed && h.direct && h.direct(x.content());
    auto origin = direct ? tracer::link{0, 0} : h.pending.take(&x);
    h.t->message_handling(origin, from, this->id(), rendering, x.mid.is_response());
    auto result = Base::consume(x);
    h.t->handling_done();
    return result;
  }

  void on_exit() override {
    if (auto* h = own_hooks()) {
      const auto& reason = this->fail_state();
      bool normal = !reason || reason == caf::exit_reason::normal ||
                    reason == caf::exit_reason::user_shutdown; // an orderly shutdown
      h->t->actor_stopped(this->id(), normal ? std::string{} : caf::to_string(reason));
    }
    Base::on_exit();
  }

private:
  // Allocated only when there is a tracer: an untraced actor (each of thousands of idle
  // connections) carries one pointer instead of about 100 bytes.
  struct hooks {
    explicit hooks(tracer* tr) : t(tr) {}
    tracer* t;
    std::function<void(std::string&)> filter;
    renderer_fn renderer = nullptr;
    direct_fn direct = nullptr;
    tracer::pending_links pending; ///< links of the messages in the mailbox
  };
  // Read by the actor's own thread, which set them.
  hooks* own_hooks() const { return hooks_.load(std::memory_order_relaxed); }

  std::atomic<hooks*> hooks_{nullptr};
};

/// The actor whose message the calling thread is handling, as `Self` (a traced actor's self
/// pointer type). It lets many actors share one behaviour whose handlers capture nothing: a
/// behaviour of ten handlers that each capture `self` costs every actor about 440 bytes, which
/// for an idle connection is a tenth of its memory. Only for handlers of Self's behaviour.
template <class Self>
Self handling_actor() {
  auto* self = detail::handling;
  assert(self != nullptr && dynamic_cast<Self>(self) == self);
  return static_cast<Self>(self);
}

/// Replaces the arguments of a rendering "(type(a, b))" that starts with "(type(" by `what`.
inline void redact_arguments(std::string& rendering, const std::string& type,
                             const std::string& what) {
  auto head = "(" + type + "(";
  if (rendering.compare(0, head.size(), head) != 0)
    return;
  auto comma = rendering.find(',');
  auto keep = comma == std::string::npos ? head.size() : comma + 2; // keep the first argument
  rendering = rendering.substr(0, keep) + what + "))";
}

/// Connects `self` to `t` (which may be null) under a stable `name`.
template <class Self>
void attach(Self* self, tracer* t, const std::string& name) {
  self->set_tracer(t);
  if (t)
    t->actor_started(self->id(), name);
}

} // namespace parley::trace

namespace caf {
template <class Base, class Signatures>
class behavior_type_of<parley::trace::traced<Base, Signatures>> : public behavior_type_of<Base> {};
} // namespace caf
