package kafka

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/topicat/topicat/sources"
)

// deleteGroup deletes a consumer group and its committed offsets. A group
// that is not Empty is refused with its state and members before anything is
// sent (Kafka would refuse it too, with less to go on). Targets: the group.
func (s *Source) deleteGroup(ctx context.Context, d sources.DeleteGroup) sources.Result {
	if d.Group == "" {
		return failed("delete group: no group given")
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	info, err := s.describeGroupInfo(ctx, d.Group)
	if err != nil {
		return failed("delete group %s: %v", d.Group, err)
	}
	if why := info.busy(d.Group); why != "" {
		return failed("%s: stop its consumers first; Kafka refuses to delete an active group", why)
	}
	rs, err := s.adm.DeleteGroups(ctx, d.Group)
	if err != nil {
		return failed("delete group %s: %s", d.Group, s.shardErrText(ctx, err))
	}
	r, ok := rs[d.Group]
	if !ok {
		return failed("delete group %s: missing from the answer", d.Group)
	}
	t := sources.TargetResult{Target: "group " + d.Group, Detail: "deleted, with its committed offsets"}
	switch {
	case errors.Is(r.Err, kerr.GroupIDNotFound):
		t.Detail, t.Err = "", "does not exist"
	case errors.Is(r.Err, kerr.NonEmptyGroup): // consumers joined since it was checked
		t.Detail, t.Err = "", "consumers joined it since it was checked: stop them first; Kafka refuses to delete an active group"
	case r.Err != nil:
		t.Detail, t.Err = "", kafkaErr(r.Err, r.ErrMessage)
	}
	return sources.Result{Targets: []sources.TargetResult{t}}
}
