// The in-memory user store used by the simulator and unit tests: a view onto shared
// memory_accounts, locking its mutex in every call so several workers may share them.
#include "store/user_store.hpp"

#include <utility>

namespace parley::store {

namespace {

class memory_user_store final : public user_store {
public:
  explicit memory_user_store(std::shared_ptr<memory_accounts> accounts)
    : accounts_(std::move(accounts)) {
    if (!accounts_)
      accounts_ = std::make_shared<memory_accounts>();
  }

  std::optional<std::string> password_hash(const std::string& name) override {
    std::lock_guard<std::mutex> guard{accounts_->mtx};
    auto i = accounts_->hashes.find(name);
    if (i == accounts_->hashes.end())
      return std::nullopt;
    return i->second;
  }

  bool add_user(const std::string& name, const std::string& hash) override {
    std::lock_guard<std::mutex> guard{accounts_->mtx};
    return accounts_->hashes.emplace(name, hash).second;
  }

  bool remove_user(const std::string& name) override {
    std::lock_guard<std::mutex> guard{accounts_->mtx};
    return accounts_->hashes.erase(name) > 0;
  }

  bool set_password_hash(const std::string& name, const std::string& hash) override {
    std::lock_guard<std::mutex> guard{accounts_->mtx};
    auto i = accounts_->hashes.find(name);
    if (i == accounts_->hashes.end())
      return false;
    i->second = hash;
    return true;
  }

  std::vector<std::string> list_users() override {
    std::lock_guard<std::mutex> guard{accounts_->mtx};
    std::vector<std::string> names;
    names.reserve(accounts_->hashes.size());
    for (const auto& entry : accounts_->hashes) // std::map: already sorted
      names.push_back(entry.first);
    return names;
  }

private:
  std::shared_ptr<memory_accounts> accounts_;
};

} // namespace

std::unique_ptr<user_store> make_memory_user_store(std::shared_ptr<memory_accounts> accounts) {
  return std::make_unique<memory_user_store>(std::move(accounts));
}

} // namespace parley::store
