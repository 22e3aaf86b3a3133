{#- Data-quality alerts: every rule of platform_alert_rules evaluated on its
    metric, one row per rule and subject (a source or a layer). Metrics:
    quarantine rate and row-count change of each source's latest batch, how
    far a source's last load is behind the newest one, and the cx processing
    latency and invalid-score rates per layer. A critical breach fails the build (the
    error test in the yml); report_alerts prints every breach. -#}
with

rules as (
    select * from {{ ref('platform_alert_rules') }}
),

batches as (
    select * from {{ ref('rpt_platform__processing_log') }}
),

survey_quality as (
    select * from {{ ref('rpt_cx__data_quality_monitoring') }}
),

ranked_batches as (
    select
        source_name,
        rows_read,
        rows_loaded,
        rows_quarantined,
        finished_at,
        row_number() over (partition by source_name order by started_at desc) as recency_rank
    from batches
    where files_loaded > 0
),

latest_batches as (
    select * from ranked_batches
    where recency_rank = 1
),

previous_batches as (
    select * from ranked_batches
    where recency_rank = 2
),

metrics as (
    select
        'quarantine_rate' as metric,
        source_name as subject,
        cast(rows_quarantined as double) / nullif(rows_read, 0) as metric_value
    from latest_batches
    union all
    select
        'row_count_change' as metric,
        latest_batches.source_name as subject,
        cast(latest_batches.rows_loaded - previous_batches.rows_loaded as double)
        / nullif(previous_batches.rows_loaded, 0) as metric_value
    from latest_batches
    inner join previous_batches on latest_batches.source_name = previous_batches.source_name
    union all
    select
        'hours_behind_newest_source' as metric,
        source_name as subject,
        round(
            cast(unix_timestamp(max(finished_at) over ()) - unix_timestamp(finished_at) as double) / 3600, 1
        ) as metric_value
    from latest_batches
    union all
    select
        'processing_latency_minutes' as metric,
        layer as subject,
        processing_latency_minutes as metric_value
    from survey_quality
    union all
    select
        'invalid_nps_rate' as metric,
        layer as subject,
        cast(invalid_nps as double) / nullif(record_count, 0) as metric_value
    from survey_quality
    union all
    select
        'invalid_satisfaction_rate' as metric,
        layer as subject,
        cast(invalid_satisfaction as double) / nullif(record_count, 0) as metric_value
    from survey_quality
),

final as (
    select
        concat(rules.rule_id, '|', metrics.subject) as alert_key,
        rules.rule_id,
        rules.metric,
        metrics.subject,
        rules.severity,
        rules.comparison,
        rules.threshold,
        metrics.metric_value,
        rules.description,
        coalesce(
            case
                when rules.comparison = 'above' then metrics.metric_value > rules.threshold
                else metrics.metric_value < rules.threshold
            end,
            false
        ) as is_breached
    from rules
    inner join metrics on rules.metric = metrics.metric
)

select * from final
