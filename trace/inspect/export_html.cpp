// `parley trace export --format html`: fills the page of html_template.hpp with the events, as
// JSON that cannot end its <script> element early (<, > and & are escaped as \u003c etc.).
#include <filesystem>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/html_template.hpp"
#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

namespace {

using json = nlohmann::json;

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON text safe inside <script>: no "</script>", "<!--" or line separators that could end or
// confuse the element. Only strings can hold these characters, and \uXXXX is valid there.
std::string script_safe(const std::string& json_text) {
  std::string out;
  out.reserve(json_text.size());
  for (std::size_t i = 0; i < json_text.size(); ++i) {
    char c = json_text[i];
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else if (json_text.compare(i, 3, "\xE2\x80\xA8") == 0 || json_text.compare(i, 3, "\xE2\x80\xA9") == 0) {
      out += json_text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else
      out += c;
  }
  return out;
}

json page_data(const trace& tr, const std::vector<const event*>& events) {
  json list = json::array();
  for (const auto* e : events)
    list.push_back({{"e", e->fields}, {"time", format_seconds(e->t)}, {"text", event_text(*e)}});
  return {{"file", std::filesystem::path(tr.path).filename().string()},
          {"meta", tr.meta.fields},
          {"total", tr.events.size()},
          {"events", std::move(list)}};
}

// The template with each @@NAME@@ replaced once (values are not searched for placeholders).
std::string fill(const std::string& title, const std::string& data) {
  std::string page = html_template;
  std::string out;
  std::size_t at = 0;
  while (true) {
    auto start = page.find("@@", at);
    if (start == std::string::npos)
      break;
    auto end = page.find("@@", start + 2);
    auto name = page.substr(start + 2, end - start - 2);
    out.append(page, at, start - at);
    out += name == "TITLE" ? title : name == "DATA" ? data : page.substr(start, end + 2 - start);
    at = end + 2;
  }
  return out + page.substr(at);
}

} // namespace

std::string export_html(const trace& tr, const std::vector<const event*>& events) {
  auto data = page_data(tr, events).dump(-1, ' ', false, json::error_handler_t::replace);
  auto title = "Parley trace: " + std::filesystem::path(tr.path).filename().string();
  return fill(html_escape(title), script_safe(data));
}

} // namespace parley::trace::inspect
