{#- Seeds as dbt loads them, except a file with no bytes at all: dbt's CSV loader cannot read
    one (it fails with "a callable raised a StopIteration exception"), so such a seed is
    created as an empty table of the text columns of its `column_types` instead. For the
    churn upload that means "no upload rows", like a file with only its header line. The
    file's content is known from its checksum (the SHA-256 of no bytes). -#}
{% materialization seed, default -%}
    {%- if model.checksum.name == 'sha256'
        and model.checksum.checksum == 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' -%}
        {%- set target_relation = api.Relation.create(
            database=database, schema=schema, identifier=model['alias'], type='table') -%}
        {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=model['alias']) -%}
        {%- if old_relation is not none -%}{%- do adapter.drop_relation(old_relation) -%}{%- endif -%}
        {%- set columns = [] -%}
        {%- for name in (config.get('column_types') or {}).keys() if name != 'organization_id' -%}
            {%- do columns.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ name) -%}
        {%- endfor -%}
        {%- set empty_select = 'select ' ~ (columns | join(', ') or '1 as no_columns') ~ ' where 1 = 0' -%}
        {%- do log('seed ' ~ model['alias'] ~ ': the file is empty, so the table has no rows', info=true) -%}
        {#- dbt reports a seed from the table it loaded: here, the empty result of that select -#}
        {%- do store_result('agate_table', response='OK', agate_table=run_query(empty_select)) -%}
        {%- call statement('main') -%}
            {{ get_create_table_as_sql(false, target_relation, empty_select) }}
        {%- endcall -%}
        {%- do adapter.commit() -%}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}
    {{ return(dbt.materialization_seed_default()) }}
{%- endmaterialization %}
