// Small accessors of trace events (see event.hpp).
#include "trace/inspect/event.hpp"

#include <algorithm>

namespace parley::trace::inspect {

const char* kind_name(event_kind k) {
  switch (k) {
    case event_kind::message: return "message";
    case event_kind::net: return "net";
    case event_kind::actor: return "actor";
    case event_kind::fault: return "fault";
  }
  return "?";
}

const event* trace::find(std::uint64_t seq) const {
  auto i = std::lower_bound(events.begin(), events.end(), seq,
                            [](const event& e, std::uint64_t s) { return e.seq < s; });
  return i != events.end() && i->seq == seq ? &*i : nullptr;
}

std::string text_field(const event& e, const char* key) {
  auto i = e.fields.find(key);
  return i != e.fields.end() && i->is_string() ? i->get<std::string>() : std::string{};
}

std::optional<std::int64_t> int_field(const event& e, const char* key) {
  auto i = e.fields.find(key);
  if (i == e.fields.end() || !i->is_number_integer())
    return std::nullopt;
  return i->get<std::int64_t>();
}

bool is_response(const event& e) {
  auto i = e.fields.find("response");
  return i != e.fields.end() && i->is_boolean() && i->get<bool>();
}

std::vector<std::uint64_t> conns_of(const event& e) {
  std::vector<std::uint64_t> out;
  auto list = e.fields.find("conns");
  if (list != e.fields.end() && list->is_array()) {
    for (const auto& id : *list) {
      if (id.is_number_unsigned()) {
        out.push_back(id.get<std::uint64_t>());
      } else if (id.is_array() && id.size() == 2 && id[0].is_number_unsigned() &&
                 id[1].is_number_unsigned()) { // a run [first,last]
        auto first = id[0].get<std::uint64_t>(), last = id[1].get<std::uint64_t>();
        for (auto n = first; n <= last && n - first < 1000000; ++n)
          out.push_back(n);
      }
    }
    return out;
  }
  if (auto id = int_field(e, "conn"))
    out.push_back(static_cast<std::uint64_t>(*id));
  return out;
}

std::string conn_name(const event& e) {
  return "conn/" + std::to_string(int_field(e, "conn").value_or(0));
}

} // namespace parley::trace::inspect
