package kafka

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// describeBroker answers the broker page: the broker's configs as it reports
// them (Default false marks what was set) and its log dirs with the bytes and
// partitions in each. Either half may fail alone, as a failed target. Data:
// *sources.BrokerDetail.
func (s *Source) describeBroker(ctx context.Context, d sources.DescribeBroker) sources.Result {
	ctx, cancel := actionContext(ctx)
	defer cancel()
	meta, err := retried(ctx, func() (kadm.Metadata, error) { return s.adm.BrokerMetadata(ctx) }, unanswered)
	if err != nil {
		return failed("describe broker %d: metadata: %v", d.Broker, s.connErr(ctx, anyBroker, err))
	}
	name := ""
	var at kadm.BrokerDetail
	for _, b := range meta.Brokers {
		if b.NodeID == d.Broker {
			name, at = brokerEndpoint(b.NodeID, b.Host, b.Port), b
		}
	}
	if name == "" {
		return failed("broker %d is not in the cluster's metadata (brokers: %s)", d.Broker, brokerIDList(meta.Brokers))
	}

	detail := &sources.BrokerDetail{Broker: d.Broker}
	var (
		wg                  sync.WaitGroup
		configsErr, dirsErr error
		dirs                kadm.DescribedLogDirs
	)
	wg.Go(func() {
		detail.Configs, configsErr = s.describeConfigs(ctx, kmsg.ConfigResourceTypeBroker, strconv.Itoa(int(d.Broker)))
	})
	wg.Go(func() {
		dirs, dirsErr = s.adm.DescribeBrokerLogDirs(ctx, d.Broker, nil)
		dirsErr = s.connErr(ctx, at, dirsErr)
	})
	wg.Wait()
	for _, dir := range dirs.Sorted() {
		ld := sources.LogDir{Path: dir.Dir, Bytes: dir.Size()}
		for _, ps := range dir.Topics {
			ld.Partitions += len(ps)
		}
		if dir.Err != nil {
			ld.Err = dir.Err.Error()
		}
		detail.LogDirs = append(detail.LogDirs, ld)
	}
	slices.SortFunc(detail.LogDirs, func(a, b sources.LogDir) int { return strings.Compare(a.Path, b.Path) })

	switch {
	case configsErr != nil && dirsErr != nil:
		// The configs' error names the broker already.
		c := strings.TrimPrefix(configsErr.Error(), name+": ")
		if c == dirsErr.Error() {
			return failed("describe %s: configs and log dirs: %s", name, c)
		}
		return failed("describe %s: configs: %s; log dirs: %v", name, c, dirsErr)
	case configsErr != nil:
		return sources.Result{Data: detail, Targets: []sources.TargetResult{{Target: name + " configs", Err: "describe configs: " + configsErr.Error()}}}
	case dirsErr != nil:
		return sources.Result{Data: detail, Targets: []sources.TargetResult{{Target: name + " log dirs", Err: fmt.Sprintf("describe log dirs: %v", dirsErr)}}}
	}
	return sources.Result{Data: detail}
}
