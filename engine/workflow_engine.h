// The workflow as the engine holds it: the public Workflow (engine/workflow.h)
// plus what the recommender's need writes call, in store types that never
// leave engine/.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/store.h"
#include "engine/workflow.h"
#include "models/status.h"

namespace iisc {

class NeedWriter;

class EngineWorkflow : public Workflow {
 public:
  // Called by the engine as a need is stored: the records (its event) that go
  // into the need's own write, and the need's place in the feeds once durable.
  virtual std::vector<RecordWrite> NeedSubmittedRecords(const StoredNeed& need) = 0;
  virtual void OnNeedStored(const StoredNeed& need) = 0;

  // Idempotent need submission: the need an Idempotency-Key already stored
  // (its id and sealed token), or nullopt after claiming the key for this
  // submission (release it with ReleaseNeedKey once the write is done);
  // Aborted while another submission holds the key, InvalidArgument when it
  // was used with another body.
  struct KeyedNeed {
    std::string need_id;
    std::string sealed_token;
  };
  virtual Result<std::optional<KeyedNeed>> ClaimNeedKey(const Idempotency& idempotency) = 0;
  virtual RecordWrite NeedKeyRecord(const Idempotency& idempotency, const KeyedNeed& need) const = 0;
  virtual void ReleaseNeedKey(const Idempotency& idempotency) = 0;
};

// Loads the lifecycle records and the stored needs' matches from `store`.
// `store`, `writer` and `services` must outlive the workflow. `also_visit`,
// when set, sees every stored need of that one scan (the start reads the
// needs once, for the workflow and the demand alike).
Result<std::unique_ptr<EngineWorkflow>> OpenWorkflow(Store* store, NeedWriter* writer,
                                                     ServiceLookup services, WorkflowOptions options,
                                                     const std::function<void(const StoredNeed&)>& also_visit = {});

}  // namespace iisc
