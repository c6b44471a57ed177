with

source as (

    {{ raw_table_select('load_errors') }}

),

renamed as (

    select
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(file as {{ dbt.type_string() }}) as file,
        cast(line as {{ dbt.type_bigint() }}) as line,
        cast(csv_line as {{ dbt.type_string() }}) as csv_line,
        cast(error_message as {{ dbt.type_string() }}) as error_message

    from source

)

select * from renamed
