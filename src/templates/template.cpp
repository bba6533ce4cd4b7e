#include "templates/template.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/expr.hpp"

namespace foundry {

namespace fs = std::filesystem;

const KnobSpec* KernelTemplate::knob(const std::string& name) const {
  for (const auto& k : knobs)
    if (k.name == name) return &k;
  return nullptr;
}

double KernelTemplate::space_size() const {
  double n = 1;
  for (const auto& k : knobs) n *= static_cast<double>(k.domain.size());
  return n;
}

namespace {

[[noreturn]] void fail(const fs::path& p, int line, const std::string& msg) {
  throw std::runtime_error(line > 0 ? fmt::format("{}:{}: {}", p.string(), line, msg)
                                    : fmt::format("{}: {}", p.string(), msg));
}

const std::regex& placeholder_re() {
  static const std::regex re(R"(\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\})");
  return re;
}

// Knob names referenced by an expression (identifier tokens that are knobs).
void mark_used(const std::string& expr, const std::vector<KnobSpec>& knobs, std::set<std::string>& used) {
  static const std::regex ident(R"([A-Za-z_][A-Za-z0-9_]*)");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), ident); it != std::sregex_iterator(); ++it)
    for (const auto& k : knobs)
      if (k.name == it->str()) used.insert(k.name);
}

// 1-based line of the first front-matter line (lines 1 .. end-1) holding
// `needle`; 0 when none does.
int front_matter_line(const std::vector<std::string>& lines, std::size_t end, const std::string& needle) {
  for (std::size_t i = 1; i < end && i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i + 1);
  return 0;
}

}  // namespace

KernelTemplate load_template(const fs::path& path) {
  std::ifstream in(path);
  if (!in) fail(path, 0, "cannot open template");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_template(path, text.str());
}

KernelTemplate parse_template(const fs::path& path, const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);

  // Front matter: comment lines between "// ---" and "// ---" at the top.
  auto strip = [](const std::string& l) -> std::optional<std::string> {
    if (l.rfind("//", 0) != 0) return std::nullopt;
    std::string s = l.substr(2);
    if (!s.empty() && s[0] == ' ') s.erase(0, 1);
    return s;
  };
  if (lines.empty() || strip(lines[0]).value_or("") != "---")
    fail(path, 1, "template must open with a '// ---' front-matter block");
  std::string yaml;
  std::size_t end = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto s = strip(lines[i]);
    if (!s) fail(path, static_cast<int>(i + 1), "front matter ended without a closing '// ---'");
    if (*s == "---") { end = i; break; }
    yaml += *s + "\n";
  }
  if (end == 0) fail(path, 0, "front matter has no closing '// ---'");

  KernelTemplate t;
  t.path = path;
  YAML::Node fm;
  try {
    fm = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    fail(path, e.mark.line >= 0 ? e.mark.line + 2 : 0, fmt::format("front matter: {}", e.msg));
  }
  try {
    for (const char* key : {"id", "op", "backend"})
      if (!fm[key]) fail(path, 0, fmt::format("front matter lacks '{}'", key));
    t.id = fm["id"].as<std::string>();
    t.op = fm["op"].as<std::string>();
    t.backend = fm["backend"].as<std::string>();
    if (fm["summary"]) t.summary = fm["summary"].as<std::string>();
    if (fm["knobs"]) {
      for (const auto& kv : fm["knobs"]) {
        KnobSpec k{kv.first.as<std::string>(), kv.second.as<std::vector<int64_t>>()};
        if (k.domain.empty())
          fail(path, front_matter_line(lines, end, k.name + ":"), fmt::format("knob {} has no values", k.name));
        t.knobs.push_back(std::move(k));
      }
    }
    if (fm["constraints"]) t.constraints = fm["constraints"].as<std::vector<std::string>>();
    if (fm["launch"]) t.launch = fm["launch"].as<std::map<std::string, std::string>>();
    for (const auto& [k, e] : t.launch)
      if (k != "grid" && k != "threads" && k != "smem" && k != "cluster")
        fail(path, 0, fmt::format("launch: unknown key '{}' (grid, threads, smem, cluster)", k));
    if (fm["flags_if"]) t.flags_if = fm["flags_if"].as<std::map<std::string, std::vector<std::string>>>();
    for (const auto& key : fm) {
      static const std::set<std::string> known{"id", "op", "backend", "summary", "knobs", "constraints", "launch", "flags_if"};
      if (!known.count(key.first.as<std::string>()))
        fail(path, 0, fmt::format("front matter: unknown key '{}'", key.first.as<std::string>()));
    }
  } catch (const YAML::Exception& e) {
    fail(path, e.mark.line >= 0 ? e.mark.line + 2 : 0, fmt::format("front matter: {}", e.msg));
  }
  // Expressions are parsed now, so a syntax error names its line before any run.
  auto check_expr = [&](const std::string& what, const std::string& e) {
    try {
      expr_symbols(e);
    } catch (const std::exception& ex) {
      fail(path, front_matter_line(lines, end, e), fmt::format("{}: {}", what, ex.what()));
    }
  };
  for (const auto& c : t.constraints) check_expr("constraint", c);
  for (const auto& [k, e] : t.launch) check_expr("launch " + k, e);
  if (auto c = t.launch.find("cluster"); c != t.launch.end()) {
    // A cluster's size is compiled into the kernel (FOUNDRY_CLUSTER_BLOCKS): knobs and numbers only.
    const int line = front_matter_line(lines, end, "cluster:");
    if (t.backend != "cuda") fail(path, line, fmt::format("launch cluster: only cuda templates launch clusters, not {}", t.backend));
    if (!t.launch.count("grid")) fail(path, line, "launch cluster: needs a grid (a multiple of the cluster)");
    for (const auto& sym : expr_symbols(c->second))
      if (!t.knob(sym))
        fail(path, line, fmt::format("launch cluster: '{}' names {}, not a knob (the cluster size is compiled in: "
                                     "knobs and numbers only)", c->second, sym));
  }
  if (path.stem().string() != t.id)
    fail(path, 0, fmt::format("id '{}' does not match the file name", t.id));

  std::ostringstream body;
  for (std::size_t i = end + 1; i < lines.size(); ++i) body << lines[i] << "\n";
  t.body = body.str();
  t.body_first_line = static_cast<int>(end + 2);

  // Strictness: every placeholder names a knob; every knob is used somewhere.
  std::set<std::string> used;
  for (std::size_t i = end + 1; i < lines.size(); ++i) {
    const auto& l = lines[i];
    for (auto it = std::sregex_iterator(l.begin(), l.end(), placeholder_re()); it != std::sregex_iterator(); ++it) {
      std::string name = (*it)[1].str();
      if (!t.knob(name)) fail(path, static_cast<int>(i + 1), fmt::format("unknown placeholder {{{{{}}}}}", name));
      used.insert(name);
    }
    std::string stripped = std::regex_replace(l, placeholder_re(), "");
    if (stripped.find("{{") != std::string::npos)
      fail(path, static_cast<int>(i + 1), "malformed placeholder");
  }
  for (const auto& c : t.constraints) mark_used(c, t.knobs, used);
  for (const auto& [k, e] : t.launch) mark_used(e, t.knobs, used);
  for (const auto& [k, f] : t.flags_if) {
    if (!t.knob(k)) fail(path, 0, fmt::format("flags_if names unknown knob {}", k));
    used.insert(k);
  }
  for (const auto& k : t.knobs)
    if (!used.count(k.name)) fail(path, 0, fmt::format("knob {} is declared but never used", k.name));
  return t;
}

std::vector<KernelTemplate> discover_templates(const fs::path& root) {
  std::vector<KernelTemplate> out;
  if (!fs::is_directory(root)) throw std::runtime_error(fmt::format("template directory {} does not exist", root.string()));
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    auto ext = e.path().extension().string();
    if (ext == ".cpp" || ext == ".cu") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto rel = fs::relative(f, root);
    std::vector<std::string> parts;
    for (const auto& p : rel) parts.push_back(p.string());
    if (parts.size() != 3) fail(f, 0, "templates live at <root>/<op>/<backend>/<id>.<ext>");
    KernelTemplate t = load_template(f);
    if (t.op != parts[0]) fail(f, 0, fmt::format("op '{}' does not match directory '{}'", t.op, parts[0]));
    if (t.backend != parts[1]) fail(f, 0, fmt::format("backend '{}' does not match directory '{}'", t.backend, parts[1]));
    for (const auto& o : out)
      if (o.id == t.id && o.backend == t.backend) fail(f, 0, fmt::format("duplicate template id '{}'", t.id));
    out.push_back(std::move(t));
  }
  return out;
}

fs::path default_template_root() {
  if (const char* env = std::getenv("FOUNDRY_TEMPLATES"); env && *env) return env;
  // Found from the executable, wherever it was copied: an install
  // (PREFIX/bin/foundry, PREFIX/share/foundry/templates), a bundle (templates/
  // beside it), a build beside its source tree (build/foundry, or the test
  // binary in build/tests/).
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    for (const fs::path& c : {dir / ".." / "share" / "foundry" / "templates", dir / "templates", dir / ".." / "templates",
                              dir / ".." / ".." / "templates"})
      if (fs::is_directory(c, ec)) return fs::weakly_canonical(c, ec);
  }
  return "templates";  // the working directory's; discovery names it when it is missing
}

std::string render_macros(const KernelTemplate& t) {
  std::string out;
  if (auto c = t.launch.find("cluster"); c != t.launch.end())
    out = fmt::format("#define FOUNDRY_CLUSTER_BLOCKS ({})\n", c->second);
  return out + std::regex_replace(t.body, std::regex(R"(\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\})"), "$1");
}

int64_t cluster_blocks(const KernelTemplate& t, const Knobs& knobs) {
  auto c = t.launch.find("cluster");
  if (c == t.launch.end()) return 0;
  try {
    return eval_int(c->second, expression_symbols({}, knobs));
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: launch cluster: {}", t.path.string(), e.what()));
  }
}

std::string render(const KernelTemplate& t, const Knobs& knobs) {
  for (const auto& k : t.knobs)
    if (!knobs.count(k.name)) throw std::runtime_error(fmt::format("{}: knob {} has no value", t.path.string(), k.name));
  // Ahead of the body, whose code may use it as a constant.
  std::string out;
  if (t.launch.count("cluster")) out = fmt::format("#define FOUNDRY_CLUSTER_BLOCKS {}\n", cluster_blocks(t, knobs));
  std::istringstream in(t.body);
  int line = t.body_first_line;
  for (std::string l; std::getline(in, l); ++line) {
    std::string r;
    auto last = l.cbegin();
    for (auto it = std::sregex_iterator(l.begin(), l.end(), placeholder_re()); it != std::sregex_iterator(); ++it) {
      auto v = knobs.find((*it)[1].str());
      if (v == knobs.end())
        throw std::runtime_error(fmt::format("{}:{}: unknown placeholder {}", t.path.string(), line, it->str()));
      r.append(last, l.cbegin() + it->position());
      r += std::to_string(v->second);
      last = l.cbegin() + it->position() + it->length();
    }
    r.append(last, l.cend());
    out += r + "\n";
  }
  return out;
}

Symbols expression_symbols(const Shape& shape, const Knobs& knobs) {
  Symbols s(shape.begin(), shape.end());
  for (const auto& [k, v] : knobs) s[k] = v;
  return s;
}

std::string violated_constraint(const KernelTemplate& t, const Shape& shape, const Knobs& knobs) {
  auto syms = expression_symbols(shape, knobs);
  for (const auto& c : t.constraints) {
    double v;
    try {
      v = eval_expr(c, syms);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: constraint: {}", t.path.string(), e.what()));
    }
    if (v == 0) return c;
  }
  if (t.launch.count("cluster")) {
    // Implied by a cluster launch: a size the hardware forms (sm_90: up to 8, 16 with the non-portable
    // opt-in the launcher asks for) and a grid of whole clusters.
    const int64_t n = cluster_blocks(t, knobs);
    const std::string& ce = t.launch.at("cluster");
    if (n < 1 || n > 16) return fmt::format("cluster {} between 1 and 16 blocks (it is {})", ce, n);
    const std::string& ge = t.launch.at("grid");
    int64_t grid;
    try {
      grid = eval_int(ge, syms);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: launch grid: {}", t.path.string(), e.what()));
    }
    if (grid % n != 0) return fmt::format("grid {} a multiple of cluster {} ({} is not of {})", ge, ce, grid, n);
  }
  return {};
}

std::vector<std::string> template_flags(const KernelTemplate& t, const Knobs& knobs) {
  std::vector<std::string> f;
  for (const auto& [k, flags] : t.flags_if) {
    auto it = knobs.find(k);
    if (it != knobs.end() && it->second != 0) f.insert(f.end(), flags.begin(), flags.end());
  }
  return f;
}

}  // namespace foundry
