// `parley trace show FILE [filters]`: one readable line per event; and `parley trace follow FILE
// SEQ`: the chain of parent events that led to SEQ, root first.
#include <algorithm>
#include <set>

#include "trace/inspect/commands.hpp"
#include "trace/inspect/reader.hpp"
#include "trace/inspect/text.hpp"

namespace parley::trace::inspect {

int run_show(const std::string& file, const filter_args& filters, std::ostream& out,
             std::ostream& err) {
  return guarded(err, [&] {
    auto f = make_filter(filters);
    auto tr = read_trace(file, err);
    auto sel = select_events(tr, f);
    for (const auto* e : sel.events)
      out << event_line(*e) << "\n";
    if (sel.matched == 0) {
      err << file << ": no events match the filters\n";
      return exit_not_found;
    }
    if (sel.matched > sel.events.size())
      err << "(" << sel.events.size() << " of " << sel.matched
          << " matching events shown; raise --limit to see more)\n";
    return exit_ok;
  });
}

std::vector<const event*> causal_chain(const trace& tr, std::uint64_t seq, std::ostream& err) {
  std::vector<const event*> chain;
  std::set<std::uint64_t> seen;
  for (const event* e = tr.find(seq); e && seen.insert(e->seq).second;) {
    chain.push_back(e);
    if (e->parent == 0)
      break;
    const event* parent = tr.find(e->parent);
    if (!parent)
      err << "note: the parent of #" << e->seq << ", #" << e->parent
          << ", is not in the trace; the chain starts at #" << e->seq << "\n";
    e = parent;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

int run_follow(const std::string& file, const std::string& seq, std::ostream& out,
               std::ostream& err) {
  return guarded(err, [&] {
    auto digits = seq.substr(!seq.empty() && seq[0] == '#' ? 1 : 0);
    if (digits.empty() || digits.size() > 19 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      throw trace_error("bad SEQ \"" + seq + "\" (expected an event number like 41)");
    auto tr = read_trace(file, err);
    auto chain = causal_chain(tr, std::stoull(digits), err);
    if (chain.empty()) {
      err << file << ": there is no event #" << digits;
      if (!tr.events.empty())
        err << " (the events are #" << tr.events.front().seq << ".." << tr.events.back().seq
            << ")";
      err << "\n";
      return exit_not_found;
    }
    for (const auto* e : chain)
      out << event_line(*e) << "\n";
    return exit_ok;
  });
}

} // namespace parley::trace::inspect
