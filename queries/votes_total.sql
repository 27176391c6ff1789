-- How many votes the database holds, whatever the filters: tells «no votes loaded» from «none match».
SELECT count(*) AS votes FROM votes
