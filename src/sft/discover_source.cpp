#include "sft/discover_source.hpp"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "sft/dedup.hpp"
#include "sft/external_kernel.hpp"

namespace foundry::sft {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_discover_session(const std::string& name) {
  const std::string suffix = "session.json";
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class TreeReader {
 public:
  TreeReader(const fs::path& root, const fs::path& file, const std::vector<KernelTemplate>& templates, bool repairs,
             SourceResult& out)
      : root_(root), file_(file), templates_(templates), repairs_(repairs), out_(out) {}

  void read() {
    std::ifstream in(file_, std::ios::binary);
    if (!in) throw std::invalid_argument(fmt::format("{}: cannot read", file_.string()));
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::parse_error& e) {
      throw std::invalid_argument(fmt::format("{}:{}: not JSON ({})", file_.string(), line_of(text, e.byte), e.what()));
    }
    const std::string where = file_.string();
    if (!doc.is_object()) throw std::invalid_argument(fmt::format("{}: expected a JSON object", where));
    check_external_schema(doc, where);
    parse_external_case(doc, where, case_);
    const auto tree = doc.find("tree");
    if (tree == doc.end() || !tree->is_object())
      throw std::invalid_argument(fmt::format("{}: missing `tree` (the root node of the search)", where));
    out_.inputs.push_back(file_.string());
    walk(*tree, "tree", nullptr);
  }

 private:
  void walk(const json& node, const std::string& path, const ExternalKernel* parent) {
    ExternalKernel k = case_;
    const std::string where = fmt::format("{}: {}", file_.string(), path);
    parse_external_candidate(node, where, k);
    if (k.admitted()) {
      out_.examples.push_back(external_example(k, "discover", templates_, meta(k, path)));
      if (repairs_ && parent && !parent->admitted()) add_repair(*parent, k, path);
    } else {
      ++out_.skipped["not_correct"];
    }
    const auto children = node.find("children");
    if (children == node.end() || children->is_null()) return;
    if (!children->is_array()) throw std::invalid_argument(fmt::format("{}: `children` must be an array", where));
    for (std::size_t i = 0; i < children->size(); ++i) walk((*children)[i], fmt::format("{}.children[{}]", path, i), &k);
  }

  json meta(const ExternalKernel&, const std::string& path) const {
    return {{"file", fs::relative(file_, root_).string()}, {"node", path}};
  }

  void add_repair(const ExternalKernel& bad, const ExternalKernel& good, const std::string& path) {
    const std::string bad_body = kernel_body(bad.source), good_body = kernel_body(good.source);
    if (normalise_code(bad_body) == normalise_code(good_body)) {
      ++out_.skipped["repair_same_body"];
      return;
    }
    Example e = external_example(good, "discover", templates_, meta(good, path));
    e.source = "repair";
    e.user = repair_prompt(external_task(good, templates_), bad.knobs, bad_body, bad.status.empty() ? "incorrect" : bad.status,
                           bad.error);
    e.meta["failed_id"] = bad.id;
    out_.examples.push_back(std::move(e));
  }

  const fs::path& root_;
  const fs::path& file_;
  const std::vector<KernelTemplate>& templates_;
  bool repairs_;
  SourceResult& out_;
  ExternalKernel case_;
};

}  // namespace

SourceResult read_discover_sessions(const fs::path& root, const std::vector<KernelTemplate>& templates,
                                    bool include_repairs) {
  SourceResult out;
  for (const auto& file : find_files_under(root, "--discover-root", is_discover_session))
    TreeReader(root, file, templates, include_repairs, out).read();
  return out;
}

}  // namespace foundry::sft
