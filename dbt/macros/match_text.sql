{#-
  The form in which news text and entity aliases are compared: lower case, accents removed
  (Vietnamese đ folded to d, which Unicode does not decompose), every run of characters that
  is not a letter or digit in any script turned into one space, padded with spaces.
  An alias then matches on word boundaries when ' alias ' is a substring of ' text ':
  "Nvidia's" and "NVIDIA" match nvidia, "Huangshan" does not match huang, "bán tháo" matches "ban thao".
-#}
{% macro match_text(expr) -%}
    (' ' || trim(regexp_replace(replace(strip_accents(lower({{ expr }})), 'đ', 'd'), '[^\pL\pN]+', ' ', 'g')) || ' ')
{%- endmacro %}
