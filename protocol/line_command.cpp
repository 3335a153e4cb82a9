// Parsing a logged-in line-protocol client's line (see line_command.hpp).
#include "protocol/line_command.hpp"

namespace parley::protocol {

chat_input parse_chat_line(std::string_view line) {
  chat_input in;
  if (line.empty())
    return in;
  if (line[0] != '/' || (line.size() > 1 && line[1] == '/')) {
    in.what = chat_input::kind::say;
    in.text = std::string{line[0] == '/' ? line.substr(1) : line};
    return in;
  }
  in.what = chat_input::kind::command;
  auto space = line.find(' ');
  auto name = line.substr(1, space == std::string_view::npos ? std::string_view::npos : space - 1);
  for (char c : name)
    in.name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  if (space != std::string_view::npos)
    in.arg = std::string{line.substr(space + 1)};
  return in;
}

std::pair<std::string, std::string> split_first_word(std::string_view arg) {
  auto space = arg.find(' ');
  if (space == std::string_view::npos)
    return {std::string{arg}, {}};
  return {std::string{arg.substr(0, space)}, std::string{arg.substr(space + 1)}};
}

} // namespace parley::protocol
