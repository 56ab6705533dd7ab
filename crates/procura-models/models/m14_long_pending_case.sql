-- 挂案：立案后长期处于侦查中，既未撤案也未移送审查起诉。检察机关已受理的案件（可选输入）不计。
SELECT police_cases.case_no AS case_no,
       police_cases.__row_id AS police_cases__rid
FROM police_cases
WHERE police_cases.case_status IN :pending_statuses
  AND police_cases.filing_date IS NOT NULL
  AND (:reference_date - police_cases.filing_date) > :pending_days
  AND NOT EXISTS (
    SELECT 1 FROM procuratorate_cases
    WHERE procuratorate_cases.case_no = police_cases.case_no
  )
