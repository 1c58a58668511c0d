#include "common/flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace warden::flags {

std::optional<std::string> Parsed::Get(absl::string_view name) const {
  auto it = values.find(std::string(name));
  if (it == values.end()) {
    return std::nullopt;
  }
  return it->second;
}

FlagSet::FlagSet(std::vector<Flag> flags) : flags_(std::move(flags)) {}

const Flag* FlagSet::Find(absl::string_view name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) {
      return &flag;
    }
  }
  return nullptr;
}

Parsed FlagSet::Parse(const std::vector<std::string>& args, const ParseOptions& options) const {
  Parsed parsed;
  auto positional = [&](const std::string& word) {
    if (parsed.positionals.size() < options.max_positionals) {
      parsed.positionals.push_back(word);
    } else {
      parsed.problems.push_back(absl::StrCat("unexpected argument '", word, "'"));
    }
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (arg == "--") {
      for (++i; i < args.size(); ++i) {
        positional(args[i]);
      }
      break;
    }
    if (!absl::StartsWith(arg, "--")) {
      positional(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const Flag* flag = Find(name);
    const Flag* passed =
        flag == nullptr && options.pass_on != nullptr ? options.pass_on->Find(name) : nullptr;
    if (flag == nullptr && passed == nullptr) {
      parsed.problems.push_back(absl::StrCat("unknown flag --", name));
      continue;
    }
    const Flag& known = flag != nullptr ? *flag : *passed;
    if (!value.has_value()) {
      if (known.is_switch()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        parsed.problems.push_back(absl::StrCat("--", name, ": needs a value"));
        continue;
      }
    }
    if (known.is_switch()) {
      bool on = false;
      if (auto problem = ParseBool(*value, on)) {
        parsed.problems.push_back(absl::StrCat("--", name, ": ", *problem));
        continue;
      }
      value = on ? "true" : "false";
    }
    if (flag != nullptr) {
      parsed.values[name] = *value;
    } else {
      parsed.passed_on.push_back(absl::StrCat("--", name, "=", *value));
    }
  }
  return parsed;
}

std::map<std::string, std::string> FlagSet::FromEnvironment(
    const std::map<std::string, std::string>& environment) const {
  std::map<std::string, std::string> values;
  for (const Flag& flag : flags_) {
    if (flag.env.empty()) {
      continue;
    }
    if (auto it = environment.find(flag.env); it != environment.end() && !it->second.empty()) {
      values[flag.name] = it->second;
    }
  }
  return values;
}

std::string FlagSet::Usage() const {
  std::string out;
  for (const Flag& flag : flags_) {
    absl::StrAppend(&out, "  --", flag.name, flag.is_switch() ? "" : " ", flag.value_name);
    if (!flag.env.empty()) {
      absl::StrAppend(&out, "  (", flag.env, ")");
    }
    absl::StrAppend(&out, "\n      ", flag.help);
    if (!flag.default_text.empty()) {
      absl::StrAppend(&out, " (default ", flag.default_text, ")");
    }
    out += "\n";
  }
  return out;
}

std::string FlagSet::MarkdownTable() const {
  auto cell = [](const std::string& text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); };
  std::string out = "| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n";
  for (const Flag& flag : flags_) {
    absl::StrAppend(
        &out, "| `--", flag.name, flag.is_switch() ? "" : " ", flag.value_name, "` | ",
        flag.env.empty() ? "" : absl::StrCat("`", flag.env, "`"), " | ",
        flag.default_text.empty() ? "" : absl::StrCat("`", cell(flag.default_text), "`"), " | ",
        cell(flag.help), " |\n");
  }
  return out;
}

std::optional<std::string> ParseBool(absl::string_view text, bool& out) {
  if (text == "true" || text == "1" || text == "yes" || text.empty()) {
    out = true;
  } else if (text == "false" || text == "0" || text == "no") {
    out = false;
  } else {
    return "must be true or false";
  }
  return std::nullopt;
}

std::optional<std::string> ParseUint32(absl::string_view text, uint32_t& out) {
  if (!absl::SimpleAtoi(text, &out)) {
    return "must be a non-negative integer";
  }
  return std::nullopt;
}

}  // namespace warden::flags
