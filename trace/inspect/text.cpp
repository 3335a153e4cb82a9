// Text helpers of the trace inspector (see text.hpp).
#include "trace/inspect/text.hpp"

#include <cctype>
#include <cstdio>

namespace parley::trace::inspect {

namespace {

constexpr std::size_t max_data_shown = 120;

// Appends the escape for control byte `c`, if it is one; returns whether it was.
bool escape_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\r': out += "\\r"; return true;
    case '\n': out += "\\n"; return true;
    case '\t': out += "\\t"; return true;
    default: break;
  }
  if (c >= 0x20 && c != 0x7f)
    return false;
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
  out += buf;
  return true;
}

std::string net_text(const event& e) {
  auto action = text_field(e, "action");
  std::string s = "net " + action + " " + conn_name(e);
  auto data = e.fields.find("data");
  bool has_data = data != e.fields.end() && data->is_string();
  if (action == "accept" && !text_field(e, "peer").empty())
    s += " from " + text_field(e, "peer");
  if (action == "read" || action == "write") {
    auto bytes = int_field(e, "bytes");
    if (!bytes && has_data)
      bytes = static_cast<std::int64_t>(data->get_ref<const std::string&>().size());
    if (bytes)
      s += " " + std::to_string(*bytes) + " bytes";
    if (has_data)
      s += " " + shorten(quote(data->get_ref<const std::string&>()), max_data_shown);
  }
  if (action == "write_many") {
    auto n = conns_of(e).size();
    s += " and " + std::to_string(n > 0 ? n - 1 : 0) + " more";
    if (auto bytes = int_field(e, "bytes"))
      s += ", " + std::to_string(*bytes) + " bytes each";
  }
  if (action == "lost" && !text_field(e, "reason").empty())
    s += " (" + one_line(text_field(e, "reason")) + ")";
  return s;
}

// Nanoseconds per unit; 0 for an unknown unit.
std::uint64_t unit_scale(std::string_view unit) {
  if (unit.empty() || unit == "ns")
    return 1;
  if (unit == "us")
    return 1000;
  if (unit == "ms")
    return 1000000;
  if (unit == "s")
    return 1000000000;
  if (unit == "m")
    return 60000000000ULL;
  return 0;
}

} // namespace

std::string event_text(const event& e) {
  switch (e.kind) {
    case event_kind::message:
      return e.from + " -> " + e.to + " " + one_line(e.content.empty() ? e.type : e.content);
    case event_kind::net:
      return net_text(e);
    case event_kind::actor: {
      auto s = "actor " + text_field(e, "action") + " " + text_field(e, "name");
      auto reason = text_field(e, "reason");
      return reason.empty() ? s : s + ": " + one_line(reason);
    }
    case event_kind::fault: {
      auto target = text_field(e, "target");
      return "fault " + text_field(e, "fault") + (target.empty() ? "" : " " + one_line(target));
    }
  }
  return "?";
}

std::string event_line(const event& e) {
  return "#" + std::to_string(e.seq) + " " + format_seconds(e.t) + " " + event_text(e);
}

std::string format_seconds(std::int64_t ns) {
  bool negative = ns < 0;
  auto abs = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%06llus", negative ? "-" : "",
                static_cast<unsigned long long>(abs / 1000000000),
                static_cast<unsigned long long>(abs % 1000000000 / 1000));
  return buf;
}

std::optional<std::int64_t> parse_duration(std::string_view s) {
  std::size_t i = 0;
  std::uint64_t whole = 0, frac = 0, frac_scale = 1;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (i >= 18)
      return std::nullopt;
    whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
  }
  bool digits = i > 0;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      digits = true;
      if (frac_scale < 1000000000000ULL) { // finer than a picosecond of a minute: ignored
        frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
        frac_scale *= 10;
      }
    }
  }
  auto scale = unit_scale(s.substr(i));
  if (!digits || scale == 0 || whole > 9000000000000000000ULL / scale)
    return std::nullopt;
  auto part = static_cast<unsigned __int128>(frac) * scale / frac_scale;
  return static_cast<std::int64_t>(whole * scale + static_cast<std::uint64_t>(part));
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (!escape_control(out, static_cast<unsigned char>(c)))
      out += c;
  }
  return out + "\"";
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!escape_control(out, static_cast<unsigned char>(c)))
      out += c;
  return out;
}

std::string shorten(std::string_view s, std::size_t max) {
  if (s.size() <= max)
    return std::string{s};
  std::size_t cut = max > 3 ? max - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut; // do not split a UTF-8 character
  return std::string{s.substr(0, cut)} + "...";
}

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && digit(a[i2])) ++i2;
      while (j2 < b.size() && digit(b[j2])) ++j2;
      auto x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size())
        return x.size() < y.size();
      if (x != y)
        return x < y;
      i = i2;
      j = j2;
    } else {
      if (a[i] != b[j])
        return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j || (a.size() - i == b.size() - j && a < b);
}

bool mentions_error_line(std::string_view content) {
  for (auto at = content.find("ERROR"); at != std::string_view::npos;
       at = content.find("ERROR", at + 1)) {
    auto next = at + 5 < content.size() ? static_cast<unsigned char>(content[at + 5]) : ' ';
    if (std::isalnum(next) || next == '_')
      continue; // ERRORS, ERROR_CODE: another word
    if (at == 0 || content[at - 1] == '"' || content[at - 1] == '\n')
      return true; // a string, or a line, that starts with ERROR
    if (at >= 2 && content.substr(at - 2, 2) == "\\n")
      return true; // after an escaped newline inside a rendered string
  }
  return false;
}

} // namespace parley::trace::inspect
