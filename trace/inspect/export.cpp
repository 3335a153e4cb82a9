// `parley trace export FILE --format mermaid|chrome|html [-o OUT] [filters]`: picks the events,
// renders them and writes the result to OUT, stdout or the default file next to FILE.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/reader.hpp"

namespace parley::trace::inspect {

namespace {

void check_format(const std::string& format) {
  if (format != "mermaid" && format != "chrome" && format != "html")
    throw trace_error("unknown export format \"" + format +
                      "\" (expected mermaid, chrome or html)");
}

std::string render(const std::string& format, const trace& tr,
                   const std::vector<const event*>& events) {
  if (format == "mermaid")
    return export_mermaid(tr, events);
  if (format == "chrome")
    return export_chrome(tr, events);
  check_format(format);
  return export_html(tr, events);
}

void write_file(const std::string& path, const std::string& input, const std::string& text) {
  std::error_code ec;
  if (std::filesystem::equivalent(path, input, ec))
    throw trace_error("refusing to overwrite the trace " + input + " itself: choose -o OUT");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw trace_error("cannot write " + path + " (" + std::strerror(errno) + ")");
  out << text;
  out.close();
  if (!out)
    throw trace_error("cannot write " + path);
}

} // namespace

std::string default_export_path(const std::string& file, const std::string& format) {
  if (format == "mermaid")
    return "-";
  std::filesystem::path p{file};
  p.replace_extension(format == "chrome" ? ".json" : ".html");
  return p.string();
}

int run_export(const std::string& file, const export_args& args, std::ostream& out,
               std::ostream& err) {
  return guarded(err, [&] {
    auto f = make_filter(args.filters);
    check_format(args.format);
    auto tr = read_trace(file, err);
    auto sel = select_events(tr, f);
    auto text = render(args.format, tr, sel.events);
    auto path = args.output.empty() ? default_export_path(file, args.format) : args.output;
    if (path == "-") {
      out << text;
      return exit_ok;
    }
    write_file(path, file, text);
    out << "wrote " << path << " (" << sel.events.size() << " events)\n";
    return exit_ok;
  });
}

} // namespace parley::trace::inspect
